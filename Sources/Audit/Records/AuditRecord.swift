import Foundation

/// One row of the verification audit log: a verification attempt (``AuditVerdict/passed`` or
/// ``AuditVerdict/failed``) or a rejected message (``AuditVerdict/rejected``).
///
/// Build one with the fields the verifier knows and give it to ``AuditStore/insert(_:)``; the store fills
/// in ``id``, ``createdAt``, ``previousHash`` and ``rowHash`` and returns the stored copy.
///
/// Invariants the store and the database enforce: a passed or failed row names its attempt (``jobID``,
/// ``batch``, ``segment``, ``attempt``), its ``workerID`` and its ``precisionMode``; any row that did not pass
/// gives a ``reason``; counters are non-negative and fit PostgreSQL's 32-bit `integer`.
///
/// JSON form (``Codable``): snake_case keys equal to the database columns (`job_id`, `batch`, `segment`,
/// `attempt`, `worker_id`, `verifier_id`, …, `verify_ms`, `worker_compute_ms`, `created_at`,
/// `previous_hash`, `row_hash`); absent values are `null`; `created_at` is ISO 8601 in UTC with
/// microseconds; a non-finite number is written as the string `"NaN"`, `"Infinity"` or `"-Infinity"`.
public struct AuditRecord: Codable, Equatable, Sendable {
    /// Database id, increasing in insertion order; nil until stored.
    public var id: Int64?
    /// The job; nil only for a rejected message whose manifest could not be read.
    public var jobID: String?
    /// Batch index within the job (≥ 0).
    public var batch: Int?
    /// Segment index within the batch (≥ 0): segments are separated by non-homogeneous activations.
    public var segment: Int?
    /// Delivery attempt of this batch segment (≥ 0); retries of the same work get higher numbers.
    public var attempt: Int?
    /// The worker that computed the result.
    public var workerID: String?
    /// The verifier that wrote the row; each verifier's rows form one hash chain. Never empty.
    public var verifierID: String
    /// Fingerprint of the producer key that signed the job's manifest.
    public var producerKeyFingerprint: String?
    /// The precision the result was checked in.
    public var precisionMode: AuditPrecisionMode?
    /// SHA-256 (hex) of the blinded model version the job named.
    public var modelDigest: String?
    /// SHA-256 (hex) of the blinded input tensor.
    public var inputDigest: String?
    /// SHA-256 (hex) of the blinded output forwarded to the user.
    public var outputDigest: String?
    /// Tensor name → shape (rows, columns), e.g. `["input": [256, 785], "z1": [256, 513]]`.
    public var shapes: [String: [Int]]?
    /// Random vectors drawn per layer (k).
    public var rounds: Int?
    /// The outcome.
    public var verdict: AuditVerdict
    /// Why the row did not pass (required unless ``verdict`` is ``AuditVerdict/passed``).
    public var reason: String?
    /// Largest |u − v| divided by its derived bound over every layer and vector (≤ 1 when passed).
    public var maxResidualRatio: Double?
    /// Wall time of the verification, in milliseconds.
    public var verifyMilliseconds: Double?
    /// The worker's reported compute time for the result, in milliseconds.
    public var workerComputeMilliseconds: Double?
    /// When the row was stored (database transaction time, microsecond precision); nil until stored.
    public var createdAt: Date?
    /// `row_hash` of the previous row in this verifier's chain (64 zeros for the first row); nil until stored.
    public var previousHash: String?
    /// SHA-256 (lowercase hex) of the row's canonical serialization (see ``AuditRowHash``); nil until stored.
    public var rowHash: String?
    /// The protection the job used: `blinded` or `masked`.
    public var privacyMode: String
    /// Masked mode: the pool whose product the row is about (`data` or `mask`); nil in blinded mode.
    public var pool: String?

    /// Creates a record; every field but ``verifierID`` and ``verdict`` may be left out.
    public init(id: Int64? = nil, jobID: String? = nil, batch: Int? = nil, segment: Int? = nil,
                attempt: Int? = nil, workerID: String? = nil, verifierID: String,
                producerKeyFingerprint: String? = nil, precisionMode: AuditPrecisionMode? = nil,
                modelDigest: String? = nil, inputDigest: String? = nil, outputDigest: String? = nil,
                shapes: [String: [Int]]? = nil, rounds: Int? = nil, verdict: AuditVerdict,
                reason: String? = nil, maxResidualRatio: Double? = nil, verifyMilliseconds: Double? = nil,
                workerComputeMilliseconds: Double? = nil, createdAt: Date? = nil,
                previousHash: String? = nil, rowHash: String? = nil, privacyMode: String = "blinded",
                pool: String? = nil) {
        self.id = id
        self.jobID = jobID
        self.batch = batch
        self.segment = segment
        self.attempt = attempt
        self.workerID = workerID
        self.verifierID = verifierID
        self.producerKeyFingerprint = producerKeyFingerprint
        self.precisionMode = precisionMode
        self.modelDigest = modelDigest
        self.inputDigest = inputDigest
        self.outputDigest = outputDigest
        self.shapes = shapes
        self.rounds = rounds
        self.verdict = verdict
        self.reason = reason
        self.maxResidualRatio = maxResidualRatio
        self.verifyMilliseconds = verifyMilliseconds
        self.workerComputeMilliseconds = workerComputeMilliseconds
        self.createdAt = createdAt
        self.previousHash = previousHash
        self.rowHash = rowHash
        self.privacyMode = privacyMode
        self.pool = pool
    }

    /// ``shapes`` as compact JSON with sorted keys, as stored in the database and shown in CSV.
    static func shapesJSON(_ shapes: [String: [Int]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding string keys and integer arrays cannot fail; "{}" only satisfies the type checker.
        return (try? encoder.encode(shapes)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// JSON keys and CSV columns, in column order; equal to the database column names.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case jobID = "job_id"
        case batch, segment, attempt
        case workerID = "worker_id"
        case verifierID = "verifier_id"
        case producerKeyFingerprint = "producer_key_fingerprint"
        case precisionMode = "precision_mode"
        case modelDigest = "model_digest"
        case inputDigest = "input_digest"
        case outputDigest = "output_digest"
        case shapes, rounds, verdict, reason
        case maxResidualRatio = "max_residual_ratio"
        case verifyMilliseconds = "verify_ms"
        case workerComputeMilliseconds = "worker_compute_ms"
        case createdAt = "created_at"
        case previousHash = "previous_hash"
        case rowHash = "row_hash"
        case privacyMode = "privacy_mode"
        case pool
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id)
        jobID = try container.decodeIfPresent(String.self, forKey: .jobID)
        batch = try container.decodeIfPresent(Int.self, forKey: .batch)
        segment = try container.decodeIfPresent(Int.self, forKey: .segment)
        attempt = try container.decodeIfPresent(Int.self, forKey: .attempt)
        workerID = try container.decodeIfPresent(String.self, forKey: .workerID)
        verifierID = try container.decode(String.self, forKey: .verifierID)
        producerKeyFingerprint = try container.decodeIfPresent(String.self, forKey: .producerKeyFingerprint)
        precisionMode = try container.decodeIfPresent(AuditPrecisionMode.self, forKey: .precisionMode)
        modelDigest = try container.decodeIfPresent(String.self, forKey: .modelDigest)
        inputDigest = try container.decodeIfPresent(String.self, forKey: .inputDigest)
        outputDigest = try container.decodeIfPresent(String.self, forKey: .outputDigest)
        shapes = try container.decodeIfPresent([String: [Int]].self, forKey: .shapes)
        rounds = try container.decodeIfPresent(Int.self, forKey: .rounds)
        verdict = try container.decode(AuditVerdict.self, forKey: .verdict)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        maxResidualRatio = try container.decodeIfPresent(JSONNumber.self, forKey: .maxResidualRatio)?.value
        verifyMilliseconds = try container.decodeIfPresent(JSONNumber.self, forKey: .verifyMilliseconds)?.value
        workerComputeMilliseconds = try container.decodeIfPresent(JSONNumber.self, forKey: .workerComputeMilliseconds)?.value
        if let text = try container.decodeIfPresent(String.self, forKey: .createdAt) {
            guard let date = AuditTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: .createdAt, in: container,
                                                       debugDescription: "created_at '\(text)' is not ISO 8601")
            }
            createdAt = date
        }
        previousHash = try container.decodeIfPresent(String.self, forKey: .previousHash)
        rowHash = try container.decodeIfPresent(String.self, forKey: .rowHash)
        privacyMode = try container.decodeIfPresent(String.self, forKey: .privacyMode) ?? "blinded"
        pool = try container.decodeIfPresent(String.self, forKey: .pool)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Optionals are encoded (as null when absent) so every object has the same keys.
        try container.encode(id, forKey: .id)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(batch, forKey: .batch)
        try container.encode(segment, forKey: .segment)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(workerID, forKey: .workerID)
        try container.encode(verifierID, forKey: .verifierID)
        try container.encode(producerKeyFingerprint, forKey: .producerKeyFingerprint)
        try container.encode(precisionMode, forKey: .precisionMode)
        try container.encode(modelDigest, forKey: .modelDigest)
        try container.encode(inputDigest, forKey: .inputDigest)
        try container.encode(outputDigest, forKey: .outputDigest)
        try container.encode(shapes, forKey: .shapes)
        try container.encode(rounds, forKey: .rounds)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(reason, forKey: .reason)
        try container.encode(maxResidualRatio.map(JSONNumber.init), forKey: .maxResidualRatio)
        try container.encode(verifyMilliseconds.map(JSONNumber.init), forKey: .verifyMilliseconds)
        try container.encode(workerComputeMilliseconds.map(JSONNumber.init), forKey: .workerComputeMilliseconds)
        try container.encode(createdAt.map(AuditTimestamp.iso8601), forKey: .createdAt)
        try container.encode(previousHash, forKey: .previousHash)
        try container.encode(rowHash, forKey: .rowHash)
        try container.encode(privacyMode, forKey: .privacyMode)
        try container.encode(pool, forKey: .pool)
    }
}
