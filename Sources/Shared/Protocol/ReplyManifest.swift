/// The verifier's signed verdict on one attempt of one batch segment (docs/PROTOCOL.md §Reply).
public struct ReplyManifest: Sendable, Equatable, Codable {
    public enum Verdict: String, Sendable, Codable { case passed, failed, rejected }

    public var protocolVersion: Int = 1
    public var jobID: String
    public var batch: Int
    public var segment: Int
    public var attempt: Int
    public var verdict: Verdict
    public var reason: String
    /// SHA-256 of the reply's tensor (the segment's last blinded pre-activation) when passed.
    public var outputSHA256: String?
    public var auditRowID: Int64?
    public var verifierID: String
    public var maxResidualRatio: Double
    public var rounds: Int
    public var precision: Precision

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", jobID = "job_id", batch, segment, attempt, verdict, reason
        case outputSHA256 = "output_sha256", auditRowID = "audit_row_id", verifierID = "verifier_id"
        case maxResidualRatio = "max_residual_ratio", rounds, precision
    }

    public init(jobID: String, batch: Int, segment: Int, attempt: Int, verdict: Verdict, reason: String,
                outputSHA256: String?, auditRowID: Int64?, verifierID: String, maxResidualRatio: Double,
                rounds: Int, precision: Precision) {
        self.jobID = jobID
        self.batch = batch
        self.segment = segment
        self.attempt = attempt
        self.verdict = verdict
        self.reason = reason
        self.outputSHA256 = outputSHA256
        self.auditRowID = auditRowID
        self.verifierID = verifierID
        self.maxResidualRatio = maxResidualRatio
        self.rounds = rounds
        self.precision = precision
    }
}
