import SecureNets
import SecureNetsServices

/// Blinded models by digest, for unit tests; any other digest is "not on the stream".
final class FixedModels: ModelSource, @unchecked Sendable {
    struct Missing: Error, CustomStringConvertible {
        let digest: String
        var description: String { "model \(digest.prefix(12)) is not on the stream" }
    }

    private let models: [String: BlindedModel]

    init(_ models: [String: BlindedModel]) { self.models = models }

    func model(digest: String, publishedAtMs: Int64) throws -> BlindedModel {
        guard let model = models[digest] else { throw Missing(digest: digest) }
        return model
    }
}
