/// The outcome recorded in one audit row.
public enum AuditVerdict: String, Codable, CaseIterable, Sendable {
    /// Every layer's product passed the randomized check within its derived bound.
    case passed
    /// At least one layer's residual exceeded its bound: the worker's result is wrong.
    case failed
    /// The message was refused before any check (bad signature, digest mismatch, wrong shapes, NaN/Inf,
    /// unknown or already-finalized attempt, malformed). Describes a message, not an attempt.
    case rejected
}
