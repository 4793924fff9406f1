/// What the producer signs for one layer of one batch for one masked-mode pool (docs/PROTOCOL.md §14.3).
///
/// The data pool's manifest names the digest of X̂ (carried in the frame's blob); the mask pool's
/// carries the 32-byte seed of R instead, hex-encoded. The two never travel on the same queue: a
/// data-pool worker, which could unmask X̂ with the seed, can read neither the mask pool's jobs nor its
/// results (docs/SECURITY.md, broker permissions).
public struct MaskedJobManifest: Sendable, Equatable, Codable {
    /// Masked-mode frames speak protocol 3; blinded-mode ones stay at `JobManifest.currentProtocol`.
    public static let protocolVersion = 3

    public var protocolVersion: Int = MaskedJobManifest.protocolVersion
    public var mode: String = PrivacyMode.masked.rawValue
    public var pool: MaskedPool
    public var jobID: String
    public var batch: Int
    public var layer: Int
    /// Which dispatch of this batch layer for this pool, from 1 (as `JobManifest.attempt`).
    public var attempt: Int
    /// Layers in the model.
    public var layerCount: Int
    public var modulus: Int = Int(PrimeField.modulus)
    public var activationBits: Int
    public var weightBits: Int
    public var modelDigest: String
    public var modelPublishedAtMs: Int64
    public var rows: Int
    public var inputColumns: Int
    public var outputColumns: Int
    /// Data pool: SHA-256 of X̂'s residue encoding. Absent for the mask pool.
    public var inputSHA256: String?
    /// Mask pool: the seed of R, 64 lowercase hex digits. Absent for the data pool.
    public var maskSeed: String?
    public var replyQueue: String
    public var producerKey: String
    public var issuedAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", mode, pool, jobID = "job_id", batch, layer, attempt, layerCount = "layer_count"
        case modulus, activationBits = "activation_bits", weightBits = "weight_bits", modelDigest = "model_digest"
        case modelPublishedAtMs = "model_published_at_ms", rows, inputColumns = "input_columns"
        case outputColumns = "output_columns", inputSHA256 = "input_sha256", maskSeed = "mask_seed"
        case replyQueue = "reply_queue", producerKey = "producer_key", issuedAtMs = "issued_at_ms"
    }

    public init(pool: MaskedPool, jobID: String, batch: Int, layer: Int, attempt: Int, layerCount: Int,
                bitWidths: MaskedBitWidths, modelDigest: String, modelPublishedAtMs: Int64, rows: Int, inputColumns: Int,
                outputColumns: Int, inputSHA256: String?, maskSeed: MaskSeed?, replyQueue: String, producerKey: String,
                issuedAtMs: Int64) {
        self.pool = pool
        self.jobID = jobID
        self.batch = batch
        self.layer = layer
        self.attempt = attempt
        self.layerCount = layerCount
        activationBits = bitWidths.activationBits
        weightBits = bitWidths.weightBits
        self.modelDigest = modelDigest
        self.modelPublishedAtMs = modelPublishedAtMs
        self.rows = rows
        self.inputColumns = inputColumns
        self.outputColumns = outputColumns
        self.inputSHA256 = inputSHA256
        self.maskSeed = maskSeed.map { Digest.hex($0.bytes) }
        self.replyQueue = replyQueue
        self.producerKey = producerKey
        self.issuedAtMs = issuedAtMs
    }

    public var bitWidths: MaskedBitWidths { MaskedBitWidths(activationBits: activationBits, weightBits: weightBits) }

    /// The mask pool's seed, parsed. Nil for the data pool (`validate` ensures the right one is present).
    public var seed: MaskSeed? {
        guard let maskSeed, Digest.isHex(maskSeed) else { return nil }
        let digits = Array(maskSeed.utf8)
        let bytes = stride(from: 0, to: digits.count, by: 2).map { i in UInt8(Self.nibble(digits[i]) << 4 | Self.nibble(digits[i + 1])) }
        return try? MaskSeed(bytes: bytes)
    }

    private static func nibble(_ digit: UInt8) -> UInt8 { digit <= 57 ? digit - 48 : digit - 87 }

    /// Checks ranges and formats; throws `ManifestError`.
    public func validate() throws {
        guard protocolVersion == Self.protocolVersion, mode == PrivacyMode.masked.rawValue, modulus == Int(PrimeField.modulus) else {
            throw ManifestError.invalid("a masked job says protocol \(Self.protocolVersion), mode masked, modulus \(PrimeField.modulus)")
        }
        guard attempt >= 1, attempt <= JobManifest.maxAttempt else {
            throw ManifestError.invalid("attempt \(attempt) is outside 1...\(JobManifest.maxAttempt)")
        }
        guard JobManifest.isSafeName(jobID) else { throw ManifestError.invalid("job_id '\(jobID)' is not a safe name") }
        guard batch >= 0, layer >= 0, layer < layerCount, layerCount <= JobManifest.maxLayers, rows >= 1,
              inputColumns >= 1, outputColumns >= 1 else {
            throw ManifestError.invalid("batch, layer, rows or columns out of range")
        }
        guard activationBits >= MaskedBitWidths.minimumBits, weightBits >= MaskedBitWidths.minimumBits,
              activationBits <= 31, weightBits <= 23 else {
            throw ManifestError.invalid("activation_bits \(activationBits) and weight_bits \(weightBits) are out of range")
        }
        guard Digest.isHex(modelDigest) else { throw ManifestError.invalid("model_digest must be 64 hex digits") }
        switch pool {
        case .data:
            guard let inputSHA256, Digest.isHex(inputSHA256), maskSeed == nil else {
                throw ManifestError.invalid("a data-pool job names input_sha256 (64 hex digits) and no mask_seed")
            }
        case .mask:
            guard inputSHA256 == nil, let maskSeed, Digest.isHex(maskSeed) else {
                throw ManifestError.invalid("a mask-pool job names mask_seed (64 hex digits) and no input_sha256")
            }
        }
        guard replyQueue.hasPrefix("securenets.reply."), JobManifest.isSafeName(replyQueue) else {
            throw ManifestError.invalid("reply_queue '\(replyQueue)' is not a securenets.reply.* name")
        }
    }
}

extension MaskedJobManifest: CustomStringConvertible {
    /// Everything but the seed, which must never reach a log.
    public var description: String {
        "masked job \(jobID) batch \(batch) layer \(layer) attempt \(attempt) pool \(pool) (\(rows)×\(inputColumns) → \(outputColumns))"
    }
}
