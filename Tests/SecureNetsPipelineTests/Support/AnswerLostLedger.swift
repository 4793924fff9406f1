import SecureNets
import SecureNetsVerifier

/// The audit database as a verifier sees it when the connection drops right after a COMMIT: the row
/// is stored, but the verifier gets `LedgerUnavailable` instead of its id (PostgreSQL can send
/// "FATAL: terminating connection" in answer to a COMMIT that already took effect).
final class AnswerLostLedger: VerificationLedger, @unchecked Sendable {
    private let ledger: PostgresLedger
    private let answersToLose: Int
    private(set) var answersLost = 0

    /// Loses the answer of the first `answersToLose` passed rows.
    init(url: String, losing answersToLose: Int) throws {
        ledger = try PostgresLedger(url: url)
        self.answersToLose = answersToLose
    }

    func passedEntry(jobID: String, batch: Int, segment: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        try ledger.passedEntry(jobID: jobID, batch: batch, segment: segment, pool: pool)
    }

    func entry(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        try ledger.entry(jobID: jobID, batch: batch, segment: segment, attempt: attempt, pool: pool)
    }

    func record(_ entry: NewLedgerEntry) throws -> Int64 {
        let id = try ledger.record(entry)
        if entry.verdict == .passed, answersLost < answersToLose {
            answersLost += 1
            throw LedgerUnavailable("connection lost after COMMIT (simulated)")
        }
        return id
    }

    func reconnect() throws { try ledger.reconnect() }
}
