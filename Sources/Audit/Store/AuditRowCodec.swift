import Foundation

/// A row as read from `verification_audit`, with the exact stored timestamp the row hash covers.
struct StoredAuditRow {
    var record: AuditRecord
    var createdAtMicroseconds: Int64
}

/// Maps `verification_audit` rows to ``AuditRecord`` and records to statement parameters, so that the
/// store and the chain verifier read rows the same way.
enum AuditRowCodec {
    /// The select list matching ``decode(_:)``: `shapes` as JSON text and `created_at` as exact
    /// microseconds since 1970.
    static let selectColumns = """
        id, job_id, batch, segment, attempt, worker_id, verifier_id, producer_key_fingerprint, precision_mode, \
        model_digest, input_digest, output_digest, shapes::text, rounds, verdict, reason, max_residual_ratio, \
        verify_ms, worker_compute_ms, \(microseconds(of: "created_at")), previous_hash, row_hash, privacy_mode, pool
        """

    /// SQL for a timestamptz expression as integer microseconds since 1970 (exact: extract returns numeric).
    static func microseconds(of expression: String) -> String {
        "(extract(epoch FROM \(expression)) * 1000000)::bigint"
    }

    /// SQL for a bigint parameter of microseconds since 1970 as a timestamptz (exact integer arithmetic).
    static func timestamp(fromMicrosecondsParameter parameter: String) -> String {
        "(timestamptz 'epoch' + \(parameter)::bigint * interval '1 microsecond')"
    }

    static func decode(_ row: [String?]) throws -> StoredAuditRow {
        guard row.count == 24 else {
            throw AuditStoreError(code: .unreadableRow, message: "expected 24 columns, got \(row.count)")
        }
        let idText = row[0] ?? "?"
        func fail(_ column: String, _ problem: String) -> AuditStoreError {
            AuditStoreError(code: .unreadableRow, message: "row \(idText): \(column) \(problem)")
        }
        func integer(_ index: Int, _ column: String) throws -> Int? {
            guard let text = row[index] else { return nil }
            guard let value = Int(text) else { throw fail(column, "'\(text)' is not an integer") }
            return value
        }
        func double(_ index: Int, _ column: String) throws -> Double? {
            guard let text = row[index] else { return nil }
            guard let value = Double(text) else { throw fail(column, "'\(text)' is not a number") }
            return value
        }
        func required(_ index: Int, _ column: String) throws -> String {
            guard let text = row[index] else { throw fail(column, "is NULL") }
            return text
        }
        guard let id = Int64(try required(0, "id")) else { throw fail("id", "is not an integer") }
        let verdictText = try required(14, "verdict")
        guard let verdict = AuditVerdict(rawValue: verdictText) else {
            throw fail("verdict", "'\(verdictText)' is not passed, failed or rejected")
        }
        var precisionMode: AuditPrecisionMode?
        if let text = row[8] {
            guard let mode = AuditPrecisionMode(rawValue: text) else { throw fail("precision_mode", "'\(text)' is unknown") }
            precisionMode = mode
        }
        var shapes: [String: [Int]]?
        if let text = row[12] {
            guard let decoded = try? JSONDecoder().decode([String: [Int]].self, from: Data(text.utf8)) else {
                throw fail("shapes", "is not an object of integer arrays: \(text.prefix(80))")
            }
            shapes = decoded
        }
        guard let micros = Int64(try required(19, "created_at")) else { throw fail("created_at", "is not a timestamp") }
        let record = AuditRecord(
            id: id, jobID: row[1], batch: try integer(2, "batch"), segment: try integer(3, "segment"),
            attempt: try integer(4, "attempt"), workerID: row[5], verifierID: try required(6, "verifier_id"),
            producerKeyFingerprint: row[7], precisionMode: precisionMode, modelDigest: row[9],
            inputDigest: row[10], outputDigest: row[11], shapes: shapes, rounds: try integer(13, "rounds"),
            verdict: verdict, reason: row[15], maxResidualRatio: try double(16, "max_residual_ratio"),
            verifyMilliseconds: try double(17, "verify_ms"),
            workerComputeMilliseconds: try double(18, "worker_compute_ms"),
            createdAt: AuditTimestamp.date(microseconds: micros), previousHash: try required(20, "previous_hash"),
            rowHash: try required(21, "row_hash"), privacyMode: try required(22, "privacy_mode"), pool: row[23])
        return StoredAuditRow(record: record, createdAtMicroseconds: micros)
    }

    /// The columns a record supplies on insert (the store adds id, created_at and the hashes).
    static let contentColumns = [
        "job_id", "batch", "segment", "attempt", "worker_id", "verifier_id", "producer_key_fingerprint",
        "precision_mode", "model_digest", "input_digest", "output_digest", "shapes", "rounds", "verdict",
        "reason", "max_residual_ratio", "verify_ms", "worker_compute_ms", "privacy_mode", "pool",
    ]

    /// Text parameters for ``contentColumns``, in that order.
    static func contentParameters(of record: AuditRecord) -> [String?] {
        // Swift prints the shortest text that parses back to the same double, which float8in does exactly.
        return [
            record.jobID, record.batch.map(String.init), record.segment.map(String.init),
            record.attempt.map(String.init), record.workerID, record.verifierID, record.producerKeyFingerprint,
            record.precisionMode?.rawValue, record.modelDigest, record.inputDigest, record.outputDigest,
            record.shapes.map(AuditRecord.shapesJSON), record.rounds.map(String.init), record.verdict.rawValue, record.reason,
            record.maxResidualRatio.map(JSONNumber.text), record.verifyMilliseconds.map(JSONNumber.text),
            record.workerComputeMilliseconds.map(JSONNumber.text), record.privacyMode, record.pool,
        ]
    }
}
