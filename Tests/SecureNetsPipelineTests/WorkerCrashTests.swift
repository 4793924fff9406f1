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
        // Enough batches that the victim is still busy when it is killed.
        let sample = try Reference.inputs
        let input = Matrix.stacking(Array(repeating: sample, count: 8), columns: sample.columns)
        let inputURL = cluster.home.appendingPathComponent("inputs-x8.npy")
        try DataFile.write(input, to: inputURL)
        let batches = (input.rows + 11) / 12
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(input: inputURL, batchSize: 12) }
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
        #expect(passed.count == batches, "one passed row per batch, got \(passed.count) of \(batches)")
        #expect(Set(passed.compactMap(\.batch)) == Set(0..<batches))
        #expect(Set(passed.compactMap(\.workerID)) == ["kill-victim", "kill-survivor"], "both workers did part of the job")
        let outputs = try DataFile.readMatrix(at: job.outputs)
        let reference = try InProcessSecureInference(batchSize: 12).run(network: try Reference.network, input: input).output
        #expect(Reference.maxDifference(outputs, reference) <= Reference.probabilityTolerance)
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
