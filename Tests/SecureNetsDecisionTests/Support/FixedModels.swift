import SecureNets
import SecureNetsServices

/// Published models (blinded or masked) by digest, for unit tests; any other digest is "not on the stream".
final class FixedModels: ModelSource, @unchecked Sendable {
    struct Missing: Error, CustomStringConvertible {
        let digest: String
        var description: String { "model \(digest.prefix(12)) is not on the stream" }
    }

    private let models: [String: PublishedModel]

    init(_ models: [String: BlindedModel]) { self.models = models.mapValues { .blinded($0) } }

    init(published models: [String: PublishedModel]) { self.models = models }

    func model(digest: String, publishedAtMs: Int64) throws -> PublishedModel {
        guard let model = models[digest] else { throw Missing(digest: digest) }
        return model
    }
}
