import Foundation
import SecureNets
import SecureNetsAudit
import Testing

@Suite("A worker killed mid-job", .serialized)
struct WorkerCrashTests {
    @Test func jobCompletesAndEveryBatchIsVerifiedExactlyOnce() throws {
        let cluster = try PipelineCluster(name: "kill", workers: 0)
        defer { cluster.shutdown() }
        // The victim holds several jobs unacked (prefetch) when it dies; they must be redelivered.
        let victim = try cluster.startWorker(id: "kill-victim", arguments: ["--prefetch", "4"])
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(batchSize: 12) }
        try cluster.waitUntil("the victim to verify a few batches") {
            try cluster.auditRows(job: submission.jobIDFromJournal(home: cluster.home) ?? "-").count >= 3
        }
        victim.signal(SIGKILL)
        #expect(victim.wait(timeout: 10) != nil)
        try cluster.startWorker(id: "kill-survivor")
        let job = try submission.value(timeout: 240)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")

        let rows = try cluster.auditRows(job: job.id)
        let passed = rows.filter { $0.verdict == .passed }
        #expect(passed.count == 30, "one passed row per batch, got \(passed.count)")
        #expect(Set(passed.compactMap(\.batch)).count == 30)
        #expect(Set(passed.compactMap(\.workerID)) == ["kill-victim", "kill-survivor"])
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: 12)) <= Reference.probabilityTolerance)
    }
}

/// A value computed on a background thread.
final class BackgroundResult<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?

    func set(_ value: Result<T, Error>) { lock.withLock { result = value } }

    func value(timeout: TimeInterval) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let result = lock.withLock({ result }) { return try result.get() }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("background work did not finish within \(Int(timeout)) s")
    }

    /// The job id, read from the producer's journal directory (the only job in this home).
    func jobIDFromJournal(home: URL) -> String? {
        (try? FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent("jobs").path))?.first
    }
}

extension Thread {
    static func detachNewThreadWithResult<T>(_ body: @escaping () throws -> T) -> BackgroundResult<T> {
        let box = BackgroundResult<T>()
        Thread.detachNewThread { box.set(Result { try body() }) }
        return box
    }
}
