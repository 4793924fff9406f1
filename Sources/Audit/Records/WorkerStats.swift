/// Audit totals of one worker, as returned by ``AuditStore/stats(since:)``.
///
/// JSON keys (``Codable``): `worker_id`, `attempts`, `passed`, `failed`, `rejected`, `p50_verify_ms`,
/// `p95_verify_ms`.
public struct WorkerStats: Codable, Equatable, Sendable {
    /// The worker; nil groups the rejected messages whose worker was unknown.
    public var workerID: String?
    /// All rows of the worker: passed + failed + rejected.
    public var attempts: Int
    /// Rows that passed.
    public var passed: Int
    /// Rows that failed the check.
    public var failed: Int
    /// Messages that were rejected.
    public var rejected: Int
    /// Median verification time in milliseconds (continuous percentile); nil if no row has one.
    public var p50VerifyMilliseconds: Double?
    /// 95th-percentile verification time in milliseconds (continuous percentile); nil if no row has one.
    public var p95VerifyMilliseconds: Double?

    /// Creates a value; the store builds these from the database.
    public init(workerID: String?, attempts: Int, passed: Int, failed: Int, rejected: Int,
                p50VerifyMilliseconds: Double?, p95VerifyMilliseconds: Double?) {
        self.workerID = workerID
        self.attempts = attempts
        self.passed = passed
        self.failed = failed
        self.rejected = rejected
        self.p50VerifyMilliseconds = p50VerifyMilliseconds
        self.p95VerifyMilliseconds = p95VerifyMilliseconds
    }

    /// JSON keys and CSV columns, in column order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case workerID = "worker_id"
        case attempts, passed, failed, rejected
        case p50VerifyMilliseconds = "p50_verify_ms"
        case p95VerifyMilliseconds = "p95_verify_ms"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Nulls are written, so every object has the same keys.
        try container.encode(workerID, forKey: .workerID)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(passed, forKey: .passed)
        try container.encode(failed, forKey: .failed)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(p50VerifyMilliseconds, forKey: .p50VerifyMilliseconds)
        try container.encode(p95VerifyMilliseconds, forKey: .p95VerifyMilliseconds)
    }
}
