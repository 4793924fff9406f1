import Foundation
import SecureNets
import SecureNetsAudit
import Testing

/// One hostile worker (`securenets-hostile-worker`) beside one honest worker, for every way of
/// misbehaving: the job completes with the fault-free outputs, one `passed` row per batch, the verifier
/// never exits, and the audit says what the hostile worker did.
@Suite("Hostile workers", .serialized)
struct HostileWorkerTests {
    static let batches = 4
    static let batchSize = 90

    struct Case: Sendable, CustomTestStringConvertible {
        let mode: String
        /// Extra flags for the hostile worker.
        var arguments: [String] = []
        /// What its results must leave in the audit (beyond the passed rows).
        var audit: @Sendable ([AuditRecord]) -> Bool = { _ in true }
        var testDescription: String { mode }
    }

    static let cases: [Case] = [
        Case(mode: "drop"),
        Case(mode: "dead-letter"),
        Case(mode: "hold", arguments: ["--prefetch", "2"]),
        Case(mode: "straggle", arguments: ["--delay", "8"]),
        Case(mode: "forged-attempt", audit: { rows in
            // Its wrong results are failed rows under the attempt the producer signed, not attempt 1000.
            let failed = rows.filter { $0.verdict == .failed && $0.workerID == "hostile" }
            return !failed.isEmpty && failed.allSatisfy { ($0.attempt ?? 0) < 1000 }
        }),
        Case(mode: "garbage-metadata", audit: { rows in
            rows.contains { $0.verdict == .failed && $0.workerID == "invalid" && ($0.reason ?? "").contains("worker metadata") }
        }),
        Case(mode: "missing-tensor", audit: { rows in
            rows.contains { $0.verdict == .failed && ($0.reason ?? "").contains("tensor") }
        }),
        Case(mode: "altered-input", audit: { rows in
            rows.contains { $0.verdict == .rejected && ($0.reason ?? "").contains("input does not match") }
        }),
        Case(mode: "replay", audit: { rows in
            rows.contains { $0.verdict == .rejected && ($0.reason ?? "").contains("replayed") }
        }),
        Case(mode: "another-job", audit: { rows in
            rows.contains { $0.verdict == .rejected && ($0.reason ?? "").contains("not signed by an authorized producer") }
        }),
    ]

    @Test(arguments: cases)
    func theJobCompletesWithTheFaultFreeOutputs(_ hostileCase: Case) throws {
        let cluster = try PipelineCluster(name: "hostile-\(hostileCase.mode)", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let hostile = try cluster.startHostileWorker(mode: hostileCase.mode, arguments: ["--max-jobs", "3"] + hostileCase.arguments)
        try cluster.waitUntil("the hostile worker to be ready") { hostile.log.contains("ready") }

        let submission = Thread.detachNewThreadWithResult {
            try cluster.submit(batchSize: Self.batchSize, extra: ["--dispatch-timeout", "3"])
        }
        // The hostile worker takes the first job before any honest worker exists.
        try cluster.waitUntil("the hostile worker to take a job") { hostile.log.contains(" job ") }
        try cluster.startWorker(id: "honest")
        let job = try submission.value(timeout: 240)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())\n--- hostile\n\(hostile.log.suffix(2000))")

        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: Self.batchSize)) <= Reference.probabilityTolerance)
        #expect(try DataFile.readLabels(at: job.labels) == (try Reference.plaintext()).rowArgmax())
        let rows = try cluster.auditRows(job: job.id)
        let passed = rows.filter { $0.verdict == .passed }
        #expect(passed.count == Self.batches && Set(passed.compactMap(\.batch)).count == Self.batches,
                "one passed row per batch: \(rows.map { "\($0.batch ?? -1)/\($0.attempt ?? -1) \($0.verdict) \($0.workerID ?? "")" })")
        #expect(passed.allSatisfy { $0.workerID != "hostile" || hostileCase.mode == "straggle" || hostileCase.mode == "replay" })
        #expect(hostileCase.audit(rows), "audit rows: \(rows.map { "\($0.verdict) \($0.workerID ?? "") \($0.reason ?? "")" })")
        #expect(cluster.verifier?.isRunning == true, "the verifier kept serving")
    }
}
