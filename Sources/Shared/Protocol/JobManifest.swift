/// What the producer signs for one batch and segment (docs/PROTOCOL.md §Job manifest).
///
/// The verifier trusts nothing about a job that is not in here: the model, the layers, the precision,
/// the input's digest and where the reply goes. Workers copy it into their result unchanged.
public struct JobManifest: Sendable, Equatable, Codable {
    public var protocolVersion: Int = JobManifest.currentProtocol
    public var jobID: String
    public var batch: Int
    public var segment: Int
    /// Which dispatch of this batch segment this is, from 1. Chosen and signed by the producer, so no
    /// worker can make a first delivery look like a last one, or a retry look like a first try.
    public var attempt: Int
    public var segmentCount: Int
    public var firstLayer: Int
    public var layerCount: Int
    public var modelDigest: String
    /// When the model's chunks were published to the models stream (ms since the Unix epoch): where
    /// a consumer starts reading the stream.
    public var modelPublishedAtMs: Int64
    public var precision: Precision
    public var rows: Int
    public var inputColumns: Int
    public var inputSHA256: String
    public var replyQueue: String
    public var producerKey: String
    public var issuedAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", jobID = "job_id", batch, segment, attempt, segmentCount = "segment_count"
        case firstLayer = "first_layer", layerCount = "layer_count", modelDigest = "model_digest"
        case modelPublishedAtMs = "model_published_at_ms", precision, rows, inputColumns = "input_columns"
        case inputSHA256 = "input_sha256", replyQueue = "reply_queue", producerKey = "producer_key"
        case issuedAtMs = "issued_at_ms"
    }

    public init(jobID: String, batch: Int, segment: Int, attempt: Int = 1, segmentCount: Int, firstLayer: Int,
                layerCount: Int, modelDigest: String, modelPublishedAtMs: Int64, precision: Precision, rows: Int,
                inputColumns: Int, inputSHA256: String, replyQueue: String, producerKey: String, issuedAtMs: Int64) {
        self.jobID = jobID
        self.batch = batch
        self.segment = segment
        self.attempt = attempt
        self.segmentCount = segmentCount
        self.firstLayer = firstLayer
        self.layerCount = layerCount
        self.modelDigest = modelDigest
        self.modelPublishedAtMs = modelPublishedAtMs
        self.precision = precision
        self.rows = rows
        self.inputColumns = inputColumns
        self.inputSHA256 = inputSHA256
        self.replyQueue = replyQueue
        self.producerKey = producerKey
        self.issuedAtMs = issuedAtMs
    }

    /// The most layers a manifest may name (`first_layer` and `layer_count` each). Far above any
    /// model a frame can carry (`FrameLimits.maxTensors`), and low enough that the layer range
    /// `first_layer ..< first_layer + layer_count` and the `layer_count + 1` tensors of a result can
    /// be computed without overflowing `Int`.
    public static let maxLayers = 1 << 16

    /// The protocol version this code speaks: 2 signs the attempt in the manifest (version 1 carried it
    /// unsigned, in the worker-controlled metadata).
    public static let currentProtocol = 2

    /// The highest attempt a manifest may name: far above any retry budget, low enough for any counter.
    public static let maxAttempt = 1 << 20

    /// Checks the fields a relay cannot fix: ranges and formats. Throws `ManifestError`.
    public func validate() throws {
        guard protocolVersion == JobManifest.currentProtocol else {
            throw ManifestError.invalid("protocol \(protocolVersion) is not supported (this side speaks \(JobManifest.currentProtocol))")
        }
        guard attempt >= 1, attempt <= JobManifest.maxAttempt else {
            throw ManifestError.invalid("attempt \(attempt) is outside 1...\(JobManifest.maxAttempt)")
        }
        guard JobManifest.isSafeName(jobID) else { throw ManifestError.invalid("job_id '\(jobID)' is not a safe name") }
        guard batch >= 0, segment >= 0, segment < segmentCount, firstLayer >= 0, layerCount >= 1, rows >= 1,
              inputColumns >= 2 else {
            throw ManifestError.invalid("batch, segment, layers, rows or columns out of range")
        }
        guard firstLayer <= JobManifest.maxLayers, layerCount <= JobManifest.maxLayers else {
            throw ManifestError.invalid("first_layer \(firstLayer) and layer_count \(layerCount) must each be at most \(JobManifest.maxLayers)")
        }
        guard Digest.isHex(modelDigest), Digest.isHex(inputSHA256) else {
            throw ManifestError.invalid("model_digest and input_sha256 must be 64 hex digits")
        }
        guard replyQueue.hasPrefix("securenets.reply."), JobManifest.isSafeName(replyQueue) else {
            throw ManifestError.invalid("reply_queue '\(replyQueue)' is not a securenets.reply.* name")
        }
    }

    /// Letters, digits, '.', '-', '_' only, at most 200 characters: safe in queue names and logs.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200
            && name.utf8.allSatisfy { $0 == 46 || $0 == 45 || $0 == 95 || (48...57).contains($0)
                || (65...90).contains($0) || (97...122).contains($0) }
    }
}


/// A manifest or metadata block that cannot be used.
public enum ManifestError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed manifest: \(detail)"
        case .invalid(let detail): "invalid manifest: \(detail)"
        }
    }
}

extension Digest {
    /// True for 64 lowercase hex digits.
    public static func isHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
