import Foundation
import SecureNetsAudit
import Testing

/// The canonical serialization is a published format: these tests pin it byte for byte.
@Suite("Audit row hash")
struct AuditRowHashTests {
    private let record = AuditRecord(
        id: 42, jobID: "job-1", batch: 3, segment: 0, attempt: 1, workerID: "w", verifierID: "v",
        precisionMode: .exact, shapes: ["z1": [2, 3], "input": [2, 5]], rounds: 2, verdict: .failed,
        reason: "line 1\nline 2", maxResidualRatio: 1.5, verifyMilliseconds: 0.25,
        createdAt: Date(timeIntervalSince1970: 1_700_000_000.123456), previousHash: AuditRowHash.genesis)

    @Test("canonical serialization, version 1")
    func canonicalForm() throws {
        let bytes = try #require(AuditRowHash.canonicalSerialization(of: record))
        let expected = """
            securenets-audit-row-v1
            id=2:42
            job_id=5:job-1
            batch=1:3
            segment=1:0
            attempt=1:1
            worker_id=1:w
            verifier_id=1:v
            producer_key_fingerprint=-
            precision_mode=5:exact
            model_digest=-
            input_digest=-
            output_digest=-
            shapes=21:5:input=2,5;2:z1=2,3;
            rounds=1:2
            verdict=6:failed
            reason=13:line 1
            line 2
            max_residual_ratio=20:f64:3ff8000000000000
            verify_ms=20:f64:3fd0000000000000
            worker_compute_ms=-
            created_at=16:1700000000123456
            previous_hash=64:\(AuditRowHash.genesis)

            """
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        let hash = try #require(AuditRowHash.rowHash(of: record))
        #expect(hash.wholeMatch(of: #/[0-9a-f]{64}/#) != nil)
    }

    @Test("every field is covered: changing any one changes the hash")
    func everyFieldCovered() throws {
        let original = try #require(AuditRowHash.rowHash(of: record))
        let changes: [(inout AuditRecord) -> Void] = [
            { $0.id = 43 }, { $0.jobID = nil }, { $0.batch = 4 }, { $0.segment = 1 }, { $0.attempt = 2 },
            { $0.workerID = "x" }, { $0.verifierID = "u" }, { $0.producerKeyFingerprint = "" },
            { $0.precisionMode = .fast }, { $0.modelDigest = "" }, { $0.inputDigest = "" }, { $0.outputDigest = "" },
            { $0.shapes = ["z1": [2, 3], "input": [2, 6]] }, { $0.shapes = [:] }, { $0.rounds = 3 },
            { $0.verdict = .rejected }, { $0.reason = "line 1 line 2" }, { $0.maxResidualRatio = 1.5000000000000002 },
            { $0.verifyMilliseconds = nil }, { $0.workerComputeMilliseconds = 0 },
            { $0.createdAt = $0.createdAt!.addingTimeInterval(0.000_001) },
            { $0.previousHash = String(repeating: "1", count: 64) },
        ]
        var hashes: Set<String> = [original]
        for change in changes {
            var altered = record
            change(&altered)
            hashes.insert(try #require(AuditRowHash.rowHash(of: altered)))
        }
        #expect(hashes.count == changes.count + 1)
    }

    @Test("a record that was never stored has no hash")
    func unstored() {
        #expect(AuditRowHash.rowHash(of: AuditRecord(verifierID: "v", verdict: .passed)) == nil)
    }

    @Test("records survive JSON with microsecond times and non-finite numbers")
    func jsonRoundTrip() throws {
        var value = record
        value.maxResidualRatio = .infinity
        value.workerComputeMilliseconds = -.infinity
        let data = try JSONEncoder().encode(value)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""created_at":"2023-11-14T22:13:20.123456Z""#))
        #expect(text.contains(#""max_residual_ratio":"Infinity""#))
        #expect(try JSONDecoder().decode(AuditRecord.self, from: data) == value)
    }
}
