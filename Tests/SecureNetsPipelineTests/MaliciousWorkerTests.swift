import Foundation
import SecureNets
import SecureNetsAudit
import Testing

@Suite("A malicious worker", .serialized)
struct MaliciousWorkerTests {
    @Test(arguments: [MaliciousWorker.Tampering.nudgeOneEntry, .zeros, .float16Operands])
    func everyTamperedBatchFailsAndIsRecomputedHonestly(tampering: MaliciousWorker.Tampering) throws {
        let cluster = try PipelineCluster(name: "evil", workers: 0)
        defer { cluster.shutdown() }
        let batches = 6
        try cluster.waitForTopology()
        let evil = MaliciousWorker(id: "evil-worker", url: cluster.url(role: "worker"), tampering: tampering, maxJobs: batches)
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(batchSize: 60) }
        // Once every first attempt is queued, the malicious worker takes them all (the producer's new
        // attempts queue up behind them); only then does an honest worker join.
        try cluster.waitUntil("all batches published") { cluster.publishedSegmentCount() == batches }
        try evil.run()
        try cluster.startWorker(id: "honest-worker")
        let job = try submission.value(timeout: 240)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")

        let rows = try cluster.auditRows(job: job.id)
        let failed = rows.filter { $0.verdict == .failed }
        let passed = rows.filter { $0.verdict == .passed }
        #expect(Set(failed.compactMap(\.batch)) == Set(evil.tamperedBatches), "each tampered batch gets a failed row")
        #expect(failed.allSatisfy { $0.workerID == "evil-worker" && $0.attempt == 1 })
        #expect(passed.count == batches && passed.allSatisfy { $0.workerID == "honest-worker" && ($0.attempt ?? 0) >= 2 })
        // No tampered number reaches the output.
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: 60)) <= Reference.probabilityTolerance)
        #expect(try DataFile.readLabels(at: job.labels) == (try Reference.plaintext()).rowArgmax())
    }
}
