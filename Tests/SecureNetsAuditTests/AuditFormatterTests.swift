import Foundation
import SecureNetsAudit
import Testing

@Suite("Audit output formats")
struct AuditFormatterTests {
    /// Stored rows (so ids, times and hashes are real), one with a reason full of CSV metacharacters.
    private func storedRows() throws -> (TestSchema, [AuditRecord]) {
        let schema = try TestSchema()
        let store = try schema.store()
        let rows = [
            try store.insert(AuditRecordFixtures.checked(job: "job-f", worker: "w1")),
            try store.insert(AuditRecordFixtures.checked(
                job: "job-f", batch: 1, worker: "w2", verdict: .failed,
                reason: "layer 2, vector 1: residual \"3.1×\" bound\nsee log")),
            try store.insert(AuditRecordFixtures.rejected(job: nil, worker: nil, reason: "malformed, frame")),
        ]
        return (schema, rows)
    }

    @Test("JSON is an array of snake_case objects that decodes back to the same records")
    func json() throws {
        let (_, rows) = try storedRows()
        let text = try AuditFormatter(format: .json).render(rows)

        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == 3)
        let expectedKeys: Set = ["id", "job_id", "batch", "segment", "attempt", "worker_id", "verifier_id",
                                 "producer_key_fingerprint", "precision_mode", "model_digest", "input_digest",
                                 "output_digest", "shapes", "rounds", "verdict", "reason", "max_residual_ratio",
                                 "verify_ms", "worker_compute_ms", "created_at", "previous_hash", "row_hash",
                                 "privacy_mode", "pool"]
        #expect(parsed.allSatisfy { Set($0.keys) == expectedKeys })
        #expect(parsed[1]["job_id"] as? String == "job-f")
        #expect(parsed[1]["batch"] as? Int == 1)
        #expect(parsed[1]["verdict"] as? String == "failed")
        #expect(parsed[1]["reason"] as? String == rows[1].reason)
        #expect(parsed[2]["job_id"] is NSNull)
        #expect((parsed[0]["shapes"] as? [String: [Int]])?["z1"] == [256, 513])
        let createdAt = try #require(parsed[0]["created_at"] as? String)
        #expect(createdAt.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/#) != nil)

        #expect(try JSONDecoder().decode([AuditRecord].self, from: Data(text.utf8)) == rows)
    }

    @Test("CSV has a header and RFC 4180 quoting, and parses back to the same values")
    func csv() throws {
        let (_, rows) = try storedRows()
        let text = try AuditFormatter(format: .csv).render(rows)
        #expect(text.contains("\"malformed, frame\""))

        let table = try CSVParser.parse(text)
        #expect(table.count == 4)
        let header = table[0]
        #expect(header.first == "id")
        #expect(header.contains("job_id") && header.contains("created_at") && header.contains("row_hash"))
        #expect(table.allSatisfy { $0.count == header.count })
        func value(_ row: Int, _ column: String) -> String { table[row][header.firstIndex(of: column)!] }
        #expect(value(1, "id") == String(rows[0].id!))
        #expect(value(2, "reason") == rows[1].reason)
        #expect(value(3, "reason") == "malformed, frame")
        #expect(value(3, "job_id") == "")
        #expect(value(1, "max_residual_ratio") == "0.0625")
        #expect(value(1, "shapes") == #"{"input":[256,785],"z1":[256,513],"z2":[256,11]}"#)
        #expect(value(1, "row_hash") == rows[0].rowHash)
    }

    @Test("the table aligns every column and keeps each row on one line")
    func table() throws {
        let (_, rows) = try storedRows()
        let text = try AuditFormatter(format: .table).render(rows)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        let header = String(lines[0])
        #expect(header.hasPrefix("id") || header.hasPrefix(" "))
        // Left-aligned columns start at the same offset in every line.
        for title in ["created_at", "job_id", "worker_id", "verdict", "reason"] {
            let offset = try #require(header.range(of: title)).lowerBound.utf16Offset(in: header)
            for line in lines.dropFirst() {
                let character = line[line.index(line.startIndex, offsetBy: offset)]
                let before = line[line.index(line.startIndex, offsetBy: offset - 1)]
                #expect(character != " " && before == " ", "column \(title) in: \(line)")
            }
        }
        #expect(text.contains("residual \"3.1×\" bound\\nsee log"))
        #expect(lines[3].contains(" - "))   // absent job id
    }

    @Test("stats render in all three formats")
    func stats() throws {
        let stats = [
            WorkerStats(workerID: "w1", attempts: 6, passed: 4, failed: 1, rejected: 1,
                        p50VerifyMilliseconds: 30, p95VerifyMilliseconds: 48),
            WorkerStats(workerID: nil, attempts: 1, passed: 0, failed: 0, rejected: 1,
                        p50VerifyMilliseconds: nil, p95VerifyMilliseconds: nil),
        ]
        let json = try AuditFormatter(format: .json).render(stats)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(objects[0]["worker_id"] as? String == "w1")
        #expect(objects[0]["p95_verify_ms"] as? Double == 48)
        #expect(objects[1]["worker_id"] is NSNull)
        #expect(objects[1]["p50_verify_ms"] is NSNull)

        let csv = try CSVParser.parse(try AuditFormatter(format: .csv).render(stats))
        #expect(csv == [
            ["worker_id", "attempts", "passed", "failed", "rejected", "p50_verify_ms", "p95_verify_ms"],
            ["w1", "6", "4", "1", "1", "30.0", "48.0"],
            ["", "1", "0", "0", "1", "", ""],
        ])

        let table = try AuditFormatter(format: .table).render(stats)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(Set(lines.map(\.count)).count == 1)   // numbers right-aligned to one width
        #expect(lines[1].hasSuffix("30.00          48.00"))
        #expect(lines[2].hasPrefix("(unknown)"))
    }

    @Test("empty input renders a header, or an empty JSON array")
    func empty() throws {
        #expect(try AuditFormatter(format: .csv).render([AuditRecord]()).hasPrefix("id,job_id,"))
        #expect(try AuditFormatter(format: .table).render([AuditRecord]()).hasPrefix("id  created_at"))
        let json = try AuditFormatter(format: .json).render([AuditRecord]())
        #expect((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])?.isEmpty == true)
    }
}
