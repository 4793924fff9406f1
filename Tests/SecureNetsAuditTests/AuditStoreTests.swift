import Foundation
import SecureNetsAudit
import Testing

@Suite("Audit store")
struct AuditStoreTests {
    @Test("insert returns the stored row; attempt lookup and show return it unchanged")
    func insertAndLookUp() throws {
        let schema = try TestSchema()
        let store = try schema.store()
        var record = AuditRecordFixtures.checked(job: "job-lookup", batch: 3, segment: 1, attempt: 2)
        // Values that must survive the round trip bit for bit.
        record.maxResidualRatio = 0.1
        record.verifyMilliseconds = 1e-300
        record.workerComputeMilliseconds = 123_456.789_012_345
        record.shapes = ["input": [1, 2], "ž": [3], "a\"b": []]

        let before = Date()
        let stored = try store.insert(record)
        let id = try #require(stored.id)
        #expect(stored.previousHash == AuditRowHash.genesis)
        #expect(stored.rowHash?.count == 64)
        #expect(stored.rowHash == AuditRowHash.rowHash(of: stored))
        let createdAt = try #require(stored.createdAt)
        #expect(abs(createdAt.timeIntervalSince(before)) < 60)

        var expected = record
        expected.id = id
        expected.createdAt = stored.createdAt
        expected.previousHash = stored.previousHash
        expected.rowHash = stored.rowHash
        #expect(stored == expected)
        #expect(try store.attempt(jobID: "job-lookup", batch: 3, segment: 1, attempt: 2) == expected)
        #expect(try store.show(id: id) == expected)

        #expect(try store.attempt(jobID: "job-lookup", batch: 3, segment: 1, attempt: 3) == nil)
        #expect(try store.show(id: id + 1_000) == nil)
    }

    @Test("non-finite ratios and extreme doubles are stored exactly and keep the chain verifiable")
    func nonFiniteValues() throws {
        let schema = try TestSchema()
        let store = try schema.store()
        var infinite = AuditRecordFixtures.checked(job: "job-inf", verdict: .failed)
        infinite.maxResidualRatio = .infinity
        infinite.workerComputeMilliseconds = .leastNonzeroMagnitude
        let stored = try store.insert(infinite)
        #expect(try store.show(id: try #require(stored.id)) == stored)

        var notANumber = AuditRecordFixtures.rejected(job: "job-nan")
        notANumber.maxResidualRatio = .nan
        let storedNaN = try store.insert(notANumber)
        #expect(try store.show(id: try #require(storedNaN.id))?.maxResidualRatio?.isNaN == true)
        #expect(try AuditChainVerifier(connection: store.connection).verify().isIntact)
    }

    @Test("a second passed/failed row for one attempt is refused; rejected rows may repeat")
    func duplicateAttempt() throws {
        let schema = try TestSchema()
        let store = try schema.store()
        try store.insert(AuditRecordFixtures.checked(job: "job-dup"))
        let error = try #require(throws: AuditStoreError.self) {
            try store.insert(AuditRecordFixtures.checked(job: "job-dup", verdict: .failed))
        }
        #expect(error.code == .duplicateAttempt)
        #expect(error.message.contains("job-dup"))

        try store.insert(AuditRecordFixtures.rejected(job: "job-dup"))
        try store.insert(AuditRecordFixtures.rejected(job: "job-dup"))
        // A rejected row is about a message, not an attempt: the lookup still finds the passed row.
        #expect(try store.attempt(jobID: "job-dup", batch: 0, segment: 0, attempt: 0)?.verdict == .passed)
        #expect(try store.list(AuditFilter(jobID: "job-dup")).count == 3)
        // The failed insert left no gap in the chain.
        #expect(try AuditChainVerifier(connection: store.connection).verify().isIntact)
    }

    @Test("incomplete records are refused with the missing field named",
          arguments: [
            (AuditRecord(jobID: "j", batch: 0, segment: 0, attempt: 0, verifierID: "v", precisionMode: .exact,
                         verdict: .passed), "workerID"),
            (AuditRecord(jobID: "j", batch: 0, segment: 0, attempt: 0, workerID: "w", verifierID: "v",
                         verdict: .passed), "precisionMode"),
            (AuditRecord(verifierID: "v", verdict: .rejected), "reason"),
            (AuditRecord(verifierID: "", verdict: .rejected, reason: "r"), "verifierID"),
            (AuditRecord(batch: -1, verifierID: "v", verdict: .rejected, reason: "r"), "batch"),
            (AuditRecord(verifierID: "v", verdict: .rejected, reason: "r", verifyMilliseconds: -1), "verifyMilliseconds"),
          ])
    func invalidRecords(record: AuditRecord, field: String) throws {
        let schema = try TestSchema()
        let error = try #require(throws: AuditStoreError.self) { try schema.store().insert(record) }
        #expect(error.code == .invalidRecord)
        #expect(error.message.contains(field))
    }

    @Test("list filters by job, worker, verdict and time, newest first, up to the limit")
    func listFilters() throws {
        let schema = try TestSchema()
        let store = try schema.store()
        let first = try store.insert(AuditRecordFixtures.checked(job: "job-a", worker: "w1"))
        let second = try store.insert(AuditRecordFixtures.checked(job: "job-a", batch: 1, worker: "w2", verdict: .failed))
        let third = try store.insert(AuditRecordFixtures.checked(job: "job-b", worker: "w1"))
        let fourth = try store.insert(AuditRecordFixtures.rejected(job: "job-b", worker: "w2"))
        let ids = { (records: [AuditRecord]) in records.compactMap(\.id) }

        #expect(ids(try store.list()) == [fourth, third, second, first].compactMap(\.id))
        #expect(ids(try store.list(AuditFilter(jobID: "job-a"))) == [second, first].compactMap(\.id))
        #expect(ids(try store.list(AuditFilter(workerID: "w1"))) == [third, first].compactMap(\.id))
        #expect(ids(try store.list(AuditFilter(verdict: .failed))) == [second.id].compactMap { $0 })
        #expect(ids(try store.list(AuditFilter(verdict: .rejected))) == [fourth.id].compactMap { $0 })
        #expect(ids(try store.list(AuditFilter(jobID: "job-b", workerID: "w1", verdict: .passed))) == [third.id].compactMap { $0 })
        #expect(ids(try store.list(AuditFilter(limit: 2))) == [fourth, third].compactMap(\.id))
        #expect(try store.list(AuditFilter(jobID: "no-such-job")).isEmpty)

        // `since` is inclusive at microsecond precision.
        let thirdCreated = try #require(third.createdAt)
        let since = try store.list(AuditFilter(since: thirdCreated))
        #expect(Set(ids(since)).isSuperset(of: [third, fourth].compactMap(\.id)))
        #expect(since.allSatisfy { $0.createdAt! >= thirdCreated })
        #expect(try store.list(AuditFilter(since: Date().addingTimeInterval(3_600))).isEmpty)

        for limit in [0, AuditFilter.maximumLimit + 1] {
            let error = try #require(throws: AuditStoreError.self) { try store.list(AuditFilter(limit: limit)) }
            #expect(error.code == .invalidFilter)
        }
    }

    @Test("stats count verdicts and compute continuous percentiles per worker")
    func stats() throws {
        let schema = try TestSchema()
        let store = try schema.store()
        // w1: verify_ms 10…50 → p50 = 30, p95 = 40 + 0.8·10 = 48 (percentile_cont interpolates).
        for (batch, milliseconds) in [10.0, 20, 30, 40, 50].enumerated() {
            let verdict: AuditVerdict = batch == 4 ? .failed : .passed
            try store.insert(AuditRecordFixtures.checked(job: "job-s", batch: batch, worker: "w1", verdict: verdict,
                                                         verifyMilliseconds: milliseconds))
        }
        try store.insert(AuditRecordFixtures.rejected(job: "job-s", worker: "w1"))
        // w2: one timed attempt and one rejected message without a time.
        try store.insert(AuditRecordFixtures.checked(job: "job-s", batch: 9, worker: "w2", verifyMilliseconds: 7))
        try store.insert(AuditRecordFixtures.rejected(job: "job-s", worker: "w2"))
        // A rejected message whose worker was unknown.
        try store.insert(AuditRecordFixtures.rejected(job: nil, worker: nil))

        let stats = try store.stats()
        #expect(stats == [
            WorkerStats(workerID: "w1", attempts: 6, passed: 4, failed: 1, rejected: 1,
                        p50VerifyMilliseconds: 30, p95VerifyMilliseconds: 48),
            WorkerStats(workerID: "w2", attempts: 2, passed: 1, failed: 0, rejected: 1,
                        p50VerifyMilliseconds: 7, p95VerifyMilliseconds: 7),
            WorkerStats(workerID: nil, attempts: 1, passed: 0, failed: 0, rejected: 1,
                        p50VerifyMilliseconds: nil, p95VerifyMilliseconds: nil),
        ])
        #expect(try store.stats(since: Date().addingTimeInterval(3_600)).isEmpty)
    }

    @Test("concurrent inserts of one verifier from several connections keep its chain linear")
    func concurrentInserts() throws {
        let schema = try TestSchema()
        let stores = try (0..<4).map { _ in try schema.store() }
        let perStore = 25
        let results = ConcurrentResults<Int>(count: stores.count)
        let done = DispatchGroup()
        for (index, store) in stores.enumerated() {
            done.enter()
            Thread {
                results.set(index, Result {
                    for batch in 0..<perStore {
                        try store.insert(AuditRecordFixtures.checked(job: "job-c\(index)", batch: batch,
                                                                     verifier: "verifier-shared"))
                    }
                    return perStore
                })
                done.leave()
            }.start()
        }
        done.wait()
        for result in results.values { _ = try #require(result).get() }

        let report = try AuditChainVerifier(connection: schema.owner).verify()
        #expect(report.isIntact, "\(report.breaks)")
        #expect(report.chains.map(\.rowCount) == [stores.count * perStore])
    }
}
