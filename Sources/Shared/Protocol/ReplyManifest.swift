/// The verifier's signed verdict on one attempt of one batch segment (docs/PROTOCOL.md §Reply).
///
/// Every result whose manifest decodes is answered, whatever the verdict, so the producer reacts at
/// once. `manifest_sha256` names the exact job manifest the verdict is about: the producer acts only on
/// a reply naming a manifest it signed, so a reply about a forged manifest changes nothing.
public struct ReplyManifest: Sendable, Equatable, Codable {
    public enum Verdict: String, Sendable, Codable { case passed, failed, rejected }

    /// Machine-readable causes of a `failed` or `rejected` verdict (the `cause` field).
    public enum Cause {
        /// A layer's randomized check did not hold, or an output has the wrong shape or is not finite.
        public static let checkFailed = "check_failed"
        /// The result's form is wrong: a tensor missing or extra, or invalid worker metadata.
        public static let malformedResult = "malformed_result"
        /// The manifest names a producer key the verifier does not accept.
        public static let unauthorizedProducer = "unauthorized_producer"
        /// The signature does not verify under the producer key the manifest names.
        public static let badSignature = "bad_signature"
        /// The input is not the one the manifest's `input_sha256` names.
        public static let inputMismatch = "input_mismatch"
        /// A result for a batch segment that already passed, or a second result for one attempt.
        public static let replay = "replay"
        /// The model named by the manifest could not be read from the models stream.
        public static let modelUnavailable = "model_unavailable"
        /// The manifest's layers or input width do not fit the model it names.
        public static let modelMismatch = "model_mismatch"
    }

    public var protocolVersion: Int = JobManifest.currentProtocol
    public var jobID: String
    public var batch: Int
    public var segment: Int
    public var attempt: Int
    public var verdict: Verdict
    /// Why, for people; empty when passed.
    public var reason: String
    /// One of `Cause`'s values when not passed; nil when passed.
    public var cause: String?
    /// SHA-256 (hex) of the job manifest bytes the result carried.
    public var manifestSHA256: String
    /// SHA-256 of the reply's tensor (the segment's last blinded pre-activation), or in masked mode of
    /// the pool's product in the blob (`ResidueCoding`), when passed.
    public var outputSHA256: String?
    public var auditRowID: Int64?
    public var verifierID: String
    /// Fingerprint of the key that signs this reply: lets a producer that does not trust it yet say
    /// which key it would need.
    public var verifierKey: String
    /// The largest residual / bound over the checked layers (1 or more when failed on a check; 0 when
    /// the check did not run).
    public var maxResidualRatio: Double
    public var rounds: Int
    public var precision: Precision
    /// Masked mode: which pool's product this reply is about (its `segment` is the layer). Absent in
    /// blinded mode.
    public var pool: MaskedPool?

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", jobID = "job_id", batch, segment, attempt, verdict, reason, cause
        case manifestSHA256 = "manifest_sha256", outputSHA256 = "output_sha256", auditRowID = "audit_row_id"
        case verifierID = "verifier_id", verifierKey = "verifier_key"
        case maxResidualRatio = "max_residual_ratio", rounds, precision, pool
    }

    public init(jobID: String, batch: Int, segment: Int, attempt: Int, verdict: Verdict, reason: String,
                cause: String? = nil, manifestSHA256: String, outputSHA256: String?, auditRowID: Int64?,
                verifierID: String, verifierKey: String, maxResidualRatio: Double, rounds: Int, precision: Precision,
                pool: MaskedPool? = nil) {
        self.jobID = jobID
        self.batch = batch
        self.segment = segment
        self.attempt = attempt
        self.verdict = verdict
        self.reason = reason
        self.cause = cause
        self.manifestSHA256 = manifestSHA256
        self.outputSHA256 = outputSHA256
        self.auditRowID = auditRowID
        self.verifierID = verifierID
        self.verifierKey = verifierKey
        self.maxResidualRatio = maxResidualRatio
        self.rounds = rounds
        self.precision = precision
        self.pool = pool
    }
}
