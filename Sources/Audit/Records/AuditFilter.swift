import Foundation

/// Which audit rows ``AuditStore/list(_:)`` returns. Criteria combine with AND; nil means "any".
public struct AuditFilter: Sendable, Equatable {
    /// The ``limit`` used when none is given.
    public static let defaultLimit = 100
    /// The largest ``limit`` accepted, to keep one answer bounded in memory.
    public static let maximumLimit = 100_000

    /// Only rows of this job.
    public var jobID: String?
    /// Only rows of this worker.
    public var workerID: String?
    /// Only rows with this verdict.
    public var verdict: AuditVerdict?
    /// Only rows created at or after this instant.
    public var since: Date?
    /// At most this many rows, newest first (1 … ``maximumLimit``).
    public var limit: Int

    /// Creates a filter; with no arguments, the newest ``defaultLimit`` rows.
    public init(jobID: String? = nil, workerID: String? = nil, verdict: AuditVerdict? = nil,
                since: Date? = nil, limit: Int = AuditFilter.defaultLimit) {
        self.jobID = jobID
        self.workerID = workerID
        self.verdict = verdict
        self.since = since
        self.limit = limit
    }
}
