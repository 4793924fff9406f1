import SecureNets

/// What the verifier needs from the audit log: look up earlier attempts (idempotency, replays) and
/// append one row per verification attempt. `PostgresLedger` is the real one.
public protocol VerificationLedger: AnyObject {
    /// The `passed` row of this batch segment (in masked mode: layer, for `pool`), at any attempt.
    func passedEntry(jobID: String, batch: Int, segment: Int, pool: MaskedPool?) throws -> LedgerEntry?
    /// The `passed` or `failed` row of exactly this attempt.
    func entry(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws -> LedgerEntry?
    /// Appends a row and returns its id.
    func record(_ entry: NewLedgerEntry) throws -> Int64
    /// Drops and re-opens the database connection after an error.
    func reconnect() throws
    /// Both rows `ReplayCheck` decides on: `passedEntry` and `entry` for this attempt. A ledger may
    /// answer them together (PostgreSQL: one query, one round trip less per result).
    func earlierEntries(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws
        -> (passed: LedgerEntry?, sameAttempt: LedgerEntry?)
}

extension VerificationLedger {
    public func earlierEntries(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws
        -> (passed: LedgerEntry?, sameAttempt: LedgerEntry?) {
        (try passedEntry(jobID: jobID, batch: batch, segment: segment, pool: pool),
         try entry(jobID: jobID, batch: batch, segment: segment, attempt: attempt, pool: pool))
    }
}

/// An existing audit row, as far as the verifier cares.
public struct LedgerEntry: Sendable, Equatable {
    public let id: Int64
    public let attempt: Int
    public let verdict: ResultEvaluation.Verdict
    public let outputDigest: String?

    public init(id: Int64, attempt: Int, verdict: ResultEvaluation.Verdict, outputDigest: String?) {
        self.id = id
        self.attempt = attempt
        self.verdict = verdict
        self.outputDigest = outputDigest
    }
}

/// A row to append: one verification attempt (or one rejected message).
public struct NewLedgerEntry: Sendable {
    public var jobID: String
    public var batch: Int
    public var segment: Int
    public var attempt: Int
    public var workerID: String
    public var verifierID: String
    public var producerKeyFingerprint: String
    public var precision: String
    public var modelDigest: String
    public var inputDigest: String
    public var outputDigest: String
    /// Tensor name (`input`, `z<layer>`) → [rows, columns].
    public var shapes: [String: [Int]]
    public var rounds: Int
    public var verdict: ResultEvaluation.Verdict
    public var reason: String
    public var maxResidualRatio: Double
    public var verifyMs: Double
    public var workerComputeMs: Double
    public var privacyMode: PrivacyMode = .blinded
    /// Masked mode: the pool whose product this row is about.
    public var pool: MaskedPool?
}
