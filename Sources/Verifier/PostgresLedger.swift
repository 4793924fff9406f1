import Foundation
import SecureNets
import SecureNetsAudit

/// The verification ledger in PostgreSQL: the append-only, hash-chained `verification_audit` table.
/// Connection-level failures surface as `LedgerUnavailable` so the verifier holds its message.
public final class PostgresLedger: VerificationLedger {
    let url: String
    private var connection: PostgresConnection?
    private var store: AuditStore?

    public init(url: String) throws {
        self.url = url
        try reconnect()
    }

    public func reconnect() throws {
        connection?.close()
        connection = nil
        store = nil
        do {
            let connection = try PostgresConnection(url: url)
            self.connection = connection
            store = AuditStore(connection: connection)
        } catch {
            throw LedgerUnavailable("\(error)")
        }
    }

    private func withStore<T>(_ body: (AuditStore, PostgresConnection) throws -> T) throws -> T {
        guard let store, let connection, !connection.isClosed else { throw LedgerUnavailable("no database connection") }
        do {
            return try body(store, connection)
        } catch let error as PostgresError where error.code == .connectionFailed || error.code == .connectionClosed
            || (error.sqlState ?? "").hasPrefix("08") || (error.sqlState ?? "").hasPrefix("57P") {
            throw LedgerUnavailable("\(error)")
        } catch let error as PostgresError where error.sqlState == nil {
            // No SQLSTATE: the server did not answer (connection lost mid-statement).
            throw LedgerUnavailable("\(error)")
        }
    }

    public func passedEntry(jobID: String, batch: Int, segment: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        try withStore { _, connection in
            let rows = try connection.execute("""
                SELECT id, attempt, output_digest FROM verification_audit
                WHERE job_id = $1 AND batch = $2::integer AND segment = $3::integer AND pool IS NOT DISTINCT FROM $4
                  AND verdict = 'passed'
                ORDER BY id LIMIT 1
                """, parameters: [jobID, String(batch), String(segment), pool?.rawValue])
            return rows.first.flatMap { row in
                guard let id = row[0].flatMap({ Int64($0) }), let attempt = row[1].flatMap({ Int($0) }) else { return nil }
                return LedgerEntry(id: id, attempt: attempt, verdict: .passed, outputDigest: row[2])
            }
        }
    }

    public func entry(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws -> LedgerEntry? {
        try withStore { store, _ in
            guard let record = try store.attempt(jobID: jobID, batch: batch, segment: segment, attempt: attempt, pool: pool?.rawValue),
                  let id = record.id else { return nil }
            return LedgerEntry(id: id, attempt: attempt, verdict: record.verdict == .passed ? .passed : .failed,
                               outputDigest: record.outputDigest)
        }
    }

    /// One query for both: the batch segment's passed rows and this attempt's checked row.
    public func earlierEntries(jobID: String, batch: Int, segment: Int, attempt: Int, pool: MaskedPool?) throws
        -> (passed: LedgerEntry?, sameAttempt: LedgerEntry?) {
        try withStore { _, connection in
            let rows = try connection.execute("""
                SELECT id, attempt, verdict, output_digest FROM verification_audit
                WHERE job_id = $1 AND batch = $2::integer AND segment = $3::integer AND pool IS NOT DISTINCT FROM $4
                  AND verdict IN ('passed', 'failed') AND (verdict = 'passed' OR attempt = $5::integer)
                ORDER BY id
                """, parameters: [jobID, String(batch), String(segment), pool?.rawValue, String(attempt)])
            let entries = rows.compactMap { row -> LedgerEntry? in
                guard let id = row[0].flatMap({ Int64($0) }), let rowAttempt = row[1].flatMap({ Int($0) }) else { return nil }
                return LedgerEntry(id: id, attempt: rowAttempt, verdict: row[2] == "passed" ? .passed : .failed, outputDigest: row[3])
            }
            return (entries.first { $0.verdict == .passed }, entries.first { $0.attempt == attempt })
        }
    }

    public func record(_ entry: NewLedgerEntry) throws -> Int64 {
        let isAttempt = entry.verdict != .rejected
        let record = AuditRecord(
            jobID: entry.jobID, batch: entry.batch, segment: entry.segment, attempt: entry.attempt,
            workerID: entry.workerID, verifierID: entry.verifierID,
            producerKeyFingerprint: entry.producerKeyFingerprint.isEmpty ? nil : entry.producerKeyFingerprint,
            precisionMode: AuditPrecisionMode(rawValue: entry.precision), modelDigest: entry.modelDigest,
            inputDigest: entry.inputDigest.isEmpty ? nil : entry.inputDigest, outputDigest: entry.outputDigest.isEmpty ? nil : entry.outputDigest,
            shapes: entry.shapes, rounds: isAttempt ? entry.rounds : nil,
            verdict: AuditVerdict(rawValue: entry.verdict.rawValue) ?? .rejected,
            reason: entry.reason.isEmpty ? nil : entry.reason, maxResidualRatio: entry.maxResidualRatio,
            verifyMilliseconds: entry.verifyMs, workerComputeMilliseconds: entry.workerComputeMs,
            privacyMode: entry.privacyMode.rawValue, pool: entry.pool?.rawValue)
        return try withStore { store, _ in
            guard let id = try store.insert(record).id else { throw LedgerUnavailable("insert returned no row id") }
            return id
        }
    }
}
