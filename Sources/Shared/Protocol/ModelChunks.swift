/// Splits a serialized model into chunk frames for the models stream, and reassembles them.
///
/// No message ever depends on the broker's size limit: a model of any size travels as chunks of at
/// most `chunkBytes`, named by the model's SHA-256, which the assembler checks.
public struct ModelChunkManifest: Sendable, Equatable, Codable {
    public var modelDigest: String
    public var index: Int
    public var count: Int
    public var totalBytes: Int

    enum CodingKeys: String, CodingKey {
        case modelDigest = "model_digest", index, count, totalBytes = "total_bytes"
    }

    public init(modelDigest: String, index: Int, count: Int, totalBytes: Int) {
        self.modelDigest = modelDigest
        self.index = index
        self.count = count
        self.totalBytes = totalBytes
    }
}

public enum ModelChunks {
    /// The chunk frames of `model` (already serialized with `ModelCodec`).
    public static func split(_ model: [UInt8], chunkBytes: Int = 4 << 20) -> (digest: String, chunks: [[UInt8]]) {
        precondition(chunkBytes > 0)
        let digest = Digest.sha256Hex(model)
        let count = max(1, (model.count + chunkBytes - 1) / chunkBytes)
        let chunks = (0..<count).map { index -> [UInt8] in
            let slice = Array(model[(index * chunkBytes)..<min(model.count, (index + 1) * chunkBytes)])
            let manifest = ModelChunkManifest(modelDigest: digest, index: index, count: count, totalBytes: model.count)
            return FrameCodec.encode(Frame(kind: .modelChunk, manifest: ManifestCoding.encode(manifest), blob: slice))
        }
        return (digest, chunks)
    }
}

/// Collects the chunks of one model, in any order and with duplicates, up to `maxBytes`.
public struct ModelAssembler: Sendable {
    public let digest: String
    public let maxBytes: Int
    private var parts: [Int: [UInt8]] = [:]
    private var expected: (count: Int, totalBytes: Int)?

    public init(digest: String, maxBytes: Int) {
        self.digest = digest
        self.maxBytes = maxBytes
    }

    /// Adds one chunk frame; returns the verified model bytes once every chunk is in. Chunks of other
    /// models are ignored (returns nil); inconsistent chunks of this one throw.
    public mutating func add(_ chunk: Frame) throws -> [UInt8]? {
        guard chunk.kind == .modelChunk else { return nil }
        let manifest = try ManifestCoding.decode(ModelChunkManifest.self, from: chunk.manifest, what: "model chunk")
        guard manifest.modelDigest == digest else { return nil }
        guard manifest.totalBytes >= 0, manifest.totalBytes <= maxBytes else {
            throw ManifestError.invalid("model \(digest.prefix(12)) is \(manifest.totalBytes) bytes, the cache allows \(maxBytes)")
        }
        guard manifest.count >= 1, manifest.index >= 0, manifest.index < manifest.count,
              manifest.count <= manifest.totalBytes + 1 else {
            throw ManifestError.invalid("model chunk \(manifest.index) of \(manifest.count) is out of range")
        }
        if let expected, expected != (manifest.count, manifest.totalBytes) {
            throw ManifestError.invalid("model chunks disagree on the model's size")
        }
        expected = (manifest.count, manifest.totalBytes)
        let heldBytes = parts.values.reduce(0) { $0 + $1.count } - (parts[manifest.index]?.count ?? 0)
        guard heldBytes + chunk.blob.count <= manifest.totalBytes else {
            throw ManifestError.invalid("model chunks of \(digest.prefix(12)) exceed its declared \(manifest.totalBytes) bytes")
        }
        parts[manifest.index] = chunk.blob
        guard parts.count == manifest.count else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(manifest.totalBytes)
        for index in 0..<manifest.count { bytes += parts[index]! }
        guard bytes.count == manifest.totalBytes, Digest.sha256Hex(bytes) == digest else {
            parts.removeAll()
            throw ManifestError.invalid("model chunks do not hash to \(digest)")
        }
        return bytes
    }
}
