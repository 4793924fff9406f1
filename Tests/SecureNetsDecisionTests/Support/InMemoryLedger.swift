import SecureNets
import SecureNetsVerifier

/// The audit ledger as a dictionary: what the verifier sees of PostgreSQL, for unit tests.
final class InMemoryLedger: VerificationLedger, @unchecked Sendable {
    private(set) var rows: [(id: Int64, entry: NewLedgerEntry)] = []
    /// Thrown by the next `record` call, once.
    var failNextRecord: Error?

    func passedEntry(jobID: String, batch: Int, segment: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        rows.first { $0.entry.jobID == jobID && $0.entry.batch == batch && $0.entry.segment == segment && $0.entry.pool == pool
            && $0.entry.verdict == .passed }
            .map { LedgerEntry(id: $0.id, attempt: $0.entry.attempt, verdict: .passed, outputDigest: $0.entry.outputDigest) }
    }

    func entry(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        rows.first { $0.entry.jobID == jobID && $0.entry.batch == batch && $0.entry.segment == segment && $0.entry.pool == pool
            && $0.entry.attempt == attempt && $0.entry.verdict != .rejected }
            .map { LedgerEntry(id: $0.id, attempt: attempt, verdict: $0.entry.verdict, outputDigest: $0.entry.outputDigest) }
    }

    func record(_ entry: NewLedgerEntry) throws -> Int64 {
        if let error = failNextRecord {
            failNextRecord = nil
            throw error
        }
        let id = Int64(rows.count + 1)
        rows.append((id, entry))
        return id
    }

    func reconnect() throws {}
}
