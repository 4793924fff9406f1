import Foundation
import Logging

/// Appends verification audit rows to PostgreSQL and answers queries over them.
///
/// Every insert extends the writing verifier's hash chain (see ``AuditRowHash``): inside one transaction
/// the store locks that verifier's chain (`pg_advisory_xact_lock`), reads the chain's last `row_hash`,
/// draws the row's id and timestamp, computes the new row's hash and inserts it. Concurrent inserts by the
/// same verifier, from any number of connections or processes, therefore keep the chain linear.
///
/// The store uses the connection it is given and is no more thread-safe than it: one store per thread or
/// task. Tables are found through the connection's `search_path` (migrations must have run there). The
/// connection's role needs INSERT and SELECT to insert (`securenets_verifier`), SELECT to query
/// (`securenets_auditor`).
public final class AuditStore {
    /// The connection all statements run on.
    public let connection: PostgresConnection
    private let logger: Logger

    /// A store over `connection`.
    public init(connection: PostgresConnection, logger: Logger = Logger(label: "securenets.audit")) {
        self.connection = connection
        self.logger = logger
    }

    /// Appends one row to the verifier's chain.
    ///
    /// Runs in its own transaction, or joins the caller's if one is open on the connection (then the
    /// chain stays locked until the caller commits).
    ///
    /// - Parameter record: the row's content; its ``AuditRecord/id``, ``AuditRecord/createdAt``,
    ///   ``AuditRecord/previousHash`` and ``AuditRecord/rowHash`` are ignored and assigned here.
    /// - Returns: the stored row, with id, creation time and both hashes.
    /// - Throws: ``AuditStoreError`` with `AuditStoreError.Code.invalidRecord` naming a missing or
    ///   out-of-range field; `AuditStoreError.Code.duplicateAttempt` if a passed or failed row for the
    ///   same (job, batch, segment, attempt) exists; ``PostgresError`` for other database failures
    ///   (e.g. ``PostgresError/SQLState/insufficientPrivilege`` for a read-only role).
    @discardableResult
    public func insert(_ record: AuditRecord) throws -> AuditRecord {
        try validate(record)
        let content = AuditRowCodec.contentParameters(of: record)
        let stored: StoredAuditRow
        do {
            stored = try inTransaction { try append(record, content: content) }
        } catch let error as PostgresError where error.sqlState == PostgresError.SQLState.uniqueViolation {
            throw duplicateError(for: record, cause: error)
        }
        logger.debug("audit row appended", metadata: [
            "id": .stringConvertible(stored.record.id ?? -1), "verifier": .string(record.verifierID),
            "verdict": .string(record.verdict.rawValue),
        ])
        return stored.record
    }

    /// The passed or failed row of one attempt, for idempotent handling of redelivered results.
    ///
    /// - Returns: the row, or nil if the attempt has not been checked (rejected rows are not attempts and
    ///   are never returned here).
    /// - Throws: ``PostgresError`` if the query fails; `AuditStoreError.Code.unreadableRow` if the row
    ///   cannot be decoded.
    ///   `pool` names the masked-mode pool (nil for blinded mode): each pool has its own attempts.
    public func attempt(jobID: String, batch: Int, segment: Int, attempt: Int, pool: String? = nil) throws -> AuditRecord? {
        let rows = try connection.execute("""
            SELECT \(AuditRowCodec.selectColumns) FROM verification_audit
            WHERE job_id = $1 AND batch = $2::integer AND segment = $3::integer AND attempt = $4::integer
              AND pool IS NOT DISTINCT FROM $5 AND verdict IN ('passed', 'failed')
            """, parameters: [jobID, String(batch), String(segment), String(attempt), pool])
        return try rows.first.map { try AuditRowCodec.decode($0).record }
    }

    /// Rows matching `filter`, newest first (by creation time, then id).
    ///
    /// - Throws: `AuditStoreError.Code.invalidFilter` if the limit is outside 1…``AuditFilter/maximumLimit``;
    ///   ``PostgresError`` if the query fails; `AuditStoreError.Code.unreadableRow` for an undecodable row.
    public func list(_ filter: AuditFilter = AuditFilter()) throws -> [AuditRecord] {
        guard (1...AuditFilter.maximumLimit).contains(filter.limit) else {
            throw AuditStoreError(code: .invalidFilter,
                                  message: "limit \(filter.limit) is outside 1…\(AuditFilter.maximumLimit)")
        }
        var conditions: [String] = []
        var parameters: [String?] = []
        func parameter(_ value: String) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let jobID = filter.jobID { conditions.append("job_id = \(parameter(jobID))") }
        if let workerID = filter.workerID { conditions.append("worker_id = \(parameter(workerID))") }
        if let verdict = filter.verdict { conditions.append("verdict = \(parameter(verdict.rawValue))") }
        if let since = filter.since {
            let micros = parameter(String(AuditTimestamp.microseconds(since)))
            conditions.append("created_at >= \(AuditRowCodec.timestamp(fromMicrosecondsParameter: micros))")
        }
        let limit = parameter(String(filter.limit))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try connection.execute("""
            SELECT \(AuditRowCodec.selectColumns) FROM verification_audit \(whereClause)
            ORDER BY created_at DESC, id DESC LIMIT \(limit)::integer
            """, parameters: parameters)
        return try rows.map { try AuditRowCodec.decode($0).record }
    }

    /// One row by id.
    ///
    /// - Returns: the row, or nil if no row has this id.
    /// - Throws: ``PostgresError`` if the query fails; `AuditStoreError.Code.unreadableRow` if the row
    ///   cannot be decoded.
    public func show(id: Int64) throws -> AuditRecord? {
        let rows = try connection.execute(
            "SELECT \(AuditRowCodec.selectColumns) FROM verification_audit WHERE id = $1::bigint",
            parameters: [String(id)])
        return try rows.first.map { try AuditRowCodec.decode($0).record }
    }

    /// Totals and verification-time percentiles per worker, ordered by worker id (unknown worker last).
    ///
    /// - Parameter since: only rows created at or after this instant; nil for all rows.
    /// - Returns: one entry per worker with at least one row. Percentiles are continuous
    ///   (`percentile_cont`) over the rows that have a `verify_ms`.
    /// - Throws: ``PostgresError`` if the query fails.
    public func stats(since: Date? = nil) throws -> [WorkerStats] {
        let rows = try connection.execute("""
            SELECT worker_id, count(*),
                   count(*) FILTER (WHERE verdict = 'passed'),
                   count(*) FILTER (WHERE verdict = 'failed'),
                   count(*) FILTER (WHERE verdict = 'rejected'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY verify_ms),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY verify_ms)
            FROM verification_audit
            WHERE $1::bigint IS NULL OR created_at >= \(AuditRowCodec.timestamp(fromMicrosecondsParameter: "$1"))
            GROUP BY worker_id
            ORDER BY worker_id NULLS LAST
            """, parameters: [since.map { String(AuditTimestamp.microseconds($0)) }])
        return rows.map { row in
            WorkerStats(workerID: row[0], attempts: Int(row[1] ?? "") ?? 0, passed: Int(row[2] ?? "") ?? 0,
                        failed: Int(row[3] ?? "") ?? 0, rejected: Int(row[4] ?? "") ?? 0,
                        p50VerifyMilliseconds: row[5].flatMap(Double.init),
                        p95VerifyMilliseconds: row[6].flatMap(Double.init))
        }
    }

    // MARK: - Appending

    /// Locks the chain, links and hashes the row, inserts it. Must run inside a transaction.
    private func append(_ record: AuditRecord, content: [String?]) throws -> StoredAuditRow {
        // Two-key advisory lock: a class for audit chains, and schema + verifier so chains in different
        // schemas (tests) or of different verifiers never wait on each other.
        try connection.execute("""
            SELECT pg_advisory_xact_lock(hashtext('securenets.audit-chain'),
                                         hashtext(coalesce(current_schema(), '') || '/' || $1))
            """, parameters: [record.verifierID])
        let head = try connection.execute("""
            SELECT nextval('verification_audit_id_seq'), \(AuditRowCodec.microseconds(of: "now()")),
                   (SELECT row_hash FROM verification_audit WHERE verifier_id = $1 ORDER BY id DESC LIMIT 1)
            """, parameters: [record.verifierID])
        guard let first = head.first, let id = first[0].flatMap({ Int64($0) }),
              let micros = first[1].flatMap({ Int64($0) }) else {
            throw AuditStoreError(code: .unreadableRow, message: "could not draw an id and timestamp for the new row")
        }
        let previousHash = first[2] ?? AuditRowHash.genesis
        let rowHash = AuditRowHash.rowHash(of: record, id: id, createdAtMicroseconds: micros,
                                           previousHash: previousHash)
        let columns = ["id"] + AuditRowCodec.contentColumns + ["created_at", "previous_hash", "row_hash"]
        var placeholders = ["$1::bigint"]
        for (offset, column) in AuditRowCodec.contentColumns.enumerated() {
            let cast = column == "shapes" ? "::jsonb" : ""
            placeholders.append("$\(offset + 2)\(cast)")
        }
        let next = AuditRowCodec.contentColumns.count + 2
        placeholders += [AuditRowCodec.timestamp(fromMicrosecondsParameter: "$\(next)"), "$\(next + 1)", "$\(next + 2)"]
        try connection.execute("""
            INSERT INTO verification_audit (\(columns.joined(separator: ", ")))
            VALUES (\(placeholders.joined(separator: ", ")))
            """, parameters: [String(id)] + content + [String(micros), previousHash, rowHash])

        var stored = record
        stored.id = id
        stored.createdAt = AuditTimestamp.date(microseconds: micros)
        stored.previousHash = previousHash
        stored.rowHash = rowHash
        return StoredAuditRow(record: stored, createdAtMicroseconds: micros)
    }

    private func inTransaction<T>(_ body: () throws -> T) throws -> T {
        connection.isInTransaction ? try body() : try connection.transaction(body)
    }

    private func duplicateError(for record: AuditRecord, cause: PostgresError) -> Error {
        switch cause.constraint {
        case "verification_audit_attempt_key":
            return AuditStoreError(
                code: .duplicateAttempt,
                message: "job \(record.jobID ?? "?") batch \(record.batch ?? -1) segment \(record.segment ?? -1) attempt \(record.attempt ?? -1)\(record.pool.map { " pool \($0)" } ?? "") already has a passed or failed row")
        case "verification_audit_chain_link_key":
            return AuditStoreError(
                code: .chainConflict,
                message: "another row of verifier \(record.verifierID) already follows the same previous row")
        default:
            return cause
        }
    }

    // MARK: - Validation

    /// Checks what the database would also refuse, so the error names the field in Swift terms.
    private func validate(_ record: AuditRecord) throws {
        func invalid(_ message: String) -> AuditStoreError {
            AuditStoreError(code: .invalidRecord, message: "\(record.verdict.rawValue) row of verifier '\(record.verifierID)': \(message)")
        }
        if record.verifierID.isEmpty { throw invalid("verifierID is empty") }
        let counters: [(String, Int?)] = [("batch", record.batch), ("segment", record.segment),
                                          ("attempt", record.attempt), ("rounds", record.rounds)]
        for (name, value) in counters {
            if let value, !(0...Int(Int32.max)).contains(value) {
                throw invalid("\(name) \(value) is outside 0…\(Int32.max)")
            }
        }
        if record.verdict != .rejected {
            let identity: [(String, Bool)] = [
                ("jobID", record.jobID != nil), ("batch", record.batch != nil), ("segment", record.segment != nil),
                ("attempt", record.attempt != nil), ("workerID", record.workerID != nil),
                ("precisionMode", record.precisionMode != nil),
            ]
            let missing = identity.filter { !$0.1 }.map(\.0)
            if !missing.isEmpty { throw invalid("missing \(missing.joined(separator: ", "))") }
        }
        if record.verdict != .passed, record.reason == nil {
            throw invalid("a row that did not pass needs a reason")
        }
        for (name, value) in [("verifyMilliseconds", record.verifyMilliseconds),
                              ("workerComputeMilliseconds", record.workerComputeMilliseconds)] {
            if let value, !(value >= 0) { throw invalid("\(name) \(value) is not a non-negative number") }
        }
    }
}
