/// Why the audit store refused a record or could not read a stored row. Database failures that are not
/// about the record itself (connection lost, missing privileges) surface as ``PostgresError``.
public struct AuditStoreError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; see the static members of `ErrorCode where Domain == AuditStoreError`.
    public typealias Code = ErrorCode<AuditStoreError>

    /// What failed.
    public let code: Code
    /// A sentence naming the field, row or attempt concerned.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension ErrorCode where Domain == AuditStoreError {
    /// A field is missing or out of range; the message names it.
    public static let invalidRecord = Self("invalid audit record")
    /// A passed or failed row for this (job, batch, segment, attempt) exists already: the caller should
    /// look it up with ``AuditStore/attempt(jobID:batch:segment:attempt:)`` and reuse its verdict.
    public static let duplicateAttempt = Self("attempt already recorded")
    /// A filter value is out of range (e.g. a limit below 1).
    public static let invalidFilter = Self("invalid filter")
    /// A stored row could not be decoded (e.g. `shapes` is not an object of integer arrays).
    public static let unreadableRow = Self("unreadable audit row")
    /// Another row already follows the same predecessor: something wrote to the chain without
    /// holding its lock.
    public static let chainConflict = Self("audit chain conflict")
}
