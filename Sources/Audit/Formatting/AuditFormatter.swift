import Foundation

/// Renders audit rows and worker statistics as a text table, JSON or CSV (see ``AuditOutputFormat``).
///
/// JSON and CSV carry every field under the same snake_case names as the database columns and the
/// ``AuditRecord`` JSON keys, so output can be parsed back or loaded elsewhere. Times are ISO 8601 UTC with
/// microseconds; non-finite numbers are spelled `NaN`, `Infinity`, `-Infinity`; `shapes` is compact JSON.
public struct AuditFormatter: Sendable {
    /// The output format.
    public var format: AuditOutputFormat

    /// A formatter for `format`.
    public init(format: AuditOutputFormat) {
        self.format = format
    }

    /// Renders audit rows in the order given.
    ///
    /// - Returns: the text; for a table and CSV, a header line even when `records` is empty; for JSON, `[]`.
    /// - Throws: an `EncodingError` only if JSON encoding fails, which the record types are built to avoid.
    public func render(_ records: [AuditRecord]) throws -> String {
        switch format {
        case .json:
            return try json(records)
        case .csv:
            var writer = CSVWriter()
            writer.appendRecord(AuditRecord.CodingKeys.allCases.map(\.rawValue))
            for record in records {
                writer.appendRecord(AuditRecord.CodingKeys.allCases.map { Self.text(of: $0, in: record) })
            }
            return writer.output
        case .table:
            typealias Key = AuditRecord.CodingKeys
            let selection: [(Key, TextTable.Alignment)] = [
                (.id, .right), (.createdAt, .left), (.jobID, .left), (.batch, .right), (.segment, .right),
                (.attempt, .right), (.privacyMode, .left), (.pool, .left), (.workerID, .left), (.verdict, .left),
                (.precisionMode, .left),
                (.maxResidualRatio, .right), (.verifyMilliseconds, .right), (.reason, .left),
            ]
            var table = TextTable(columns: selection.map { TextTable.Column(title: $0.0.rawValue, alignment: $0.1) })
            for record in records {
                table.rows.append(selection.map { key, _ in
                    switch key {
                    case .maxResidualRatio: return record.maxResidualRatio.map { Self.fixed($0, "%.3g") } ?? "-"
                    case .verifyMilliseconds: return record.verifyMilliseconds.map { Self.fixed($0, "%.2f") } ?? "-"
                    default: return Self.text(of: key, in: record) ?? "-"
                    }
                })
            }
            return table.render()
        }
    }

    /// Renders per-worker statistics in the order given.
    ///
    /// - Returns: the text; for a table and CSV, a header line even when `stats` is empty; for JSON, `[]`.
    /// - Throws: an `EncodingError` only if JSON encoding fails.
    public func render(_ stats: [WorkerStats]) throws -> String {
        typealias Key = WorkerStats.CodingKeys
        func text(_ key: Key, _ entry: WorkerStats, tableStyle: Bool) -> String? {
            switch key {
            case .workerID: return entry.workerID ?? (tableStyle ? "(unknown)" : nil)
            case .attempts: return String(entry.attempts)
            case .passed: return String(entry.passed)
            case .failed: return String(entry.failed)
            case .rejected: return String(entry.rejected)
            case .p50VerifyMilliseconds:
                return entry.p50VerifyMilliseconds.map { tableStyle ? Self.fixed($0, "%.2f") : JSONNumber.text($0) }
            case .p95VerifyMilliseconds:
                return entry.p95VerifyMilliseconds.map { tableStyle ? Self.fixed($0, "%.2f") : JSONNumber.text($0) }
            }
        }
        switch format {
        case .json:
            return try json(stats)
        case .csv:
            var writer = CSVWriter()
            writer.appendRecord(Key.allCases.map(\.rawValue))
            for entry in stats {
                writer.appendRecord(Key.allCases.map { text($0, entry, tableStyle: false) })
            }
            return writer.output
        case .table:
            var table = TextTable(columns: Key.allCases.map {
                TextTable.Column(title: $0.rawValue, alignment: $0 == .workerID ? .left : .right)
            })
            for entry in stats {
                table.rows.append(Key.allCases.map { text($0, entry, tableStyle: true) ?? "-" })
            }
            return table.render()
        }
    }

    private func json<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// A field as exact text (CSV and the table's non-numeric columns); nil for no value.
    private static func text(of key: AuditRecord.CodingKeys, in record: AuditRecord) -> String? {
        switch key {
        case .id: return record.id.map { String($0) }
        case .jobID: return record.jobID
        case .batch: return record.batch.map { String($0) }
        case .segment: return record.segment.map { String($0) }
        case .attempt: return record.attempt.map { String($0) }
        case .workerID: return record.workerID
        case .verifierID: return record.verifierID
        case .producerKeyFingerprint: return record.producerKeyFingerprint
        case .precisionMode: return record.precisionMode?.rawValue
        case .modelDigest: return record.modelDigest
        case .inputDigest: return record.inputDigest
        case .outputDigest: return record.outputDigest
        case .shapes: return record.shapes.map(AuditRecord.shapesJSON)
        case .rounds: return record.rounds.map { String($0) }
        case .verdict: return record.verdict.rawValue
        case .reason: return record.reason
        case .maxResidualRatio: return record.maxResidualRatio.map(JSONNumber.text)
        case .verifyMilliseconds: return record.verifyMilliseconds.map(JSONNumber.text)
        case .workerComputeMilliseconds: return record.workerComputeMilliseconds.map(JSONNumber.text)
        case .createdAt: return record.createdAt.map(AuditTimestamp.iso8601)
        case .previousHash: return record.previousHash
        case .rowHash: return record.rowHash
        case .privacyMode: return record.privacyMode
        case .pool: return record.pool
        }
    }

    private static func fixed(_ value: Double, _ format: String) -> String {
        value.isFinite ? String(format: format, value) : JSONNumber.text(value)
    }
}
