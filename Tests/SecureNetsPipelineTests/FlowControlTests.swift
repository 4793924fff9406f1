import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import Testing

/// A job much larger than its window: it completes, and the broker never holds more of its jobs than
/// the window allows, whatever the job's size (issue: large jobs, flow control).
@Suite("Flow control", .serialized)
struct FlowControlTests {
    /// Polls the pools' jobs queues while `body` runs; returns the largest number of ready jobs seen.
    static func peakReadyJobs(_ cluster: PipelineCluster, while body: () throws -> SubmittedJob) throws -> (SubmittedJob, Int) {
        let admin = try AMQPConnection(url: cluster.amqpURL, connectionName: "depth probe", logger: Logger(label: "test"))
        defer { admin.close() }
        let peak = LockedPeak()
        let stop = LockedPeak()
        let poller = Thread {
            while stop.value == 0 {
                for pool in SecureNetsTopology.pools {
                    if let count = try? admin.declareQueuePassive(SecureNetsTopology.jobsQueue(pool: pool)).messageCount {
                        peak.raise(to: Int(count))
                    }
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            stop.raise(to: 2)
        }
        poller.start()
        let job = try body()
        stop.raise(to: 1)
        while stop.value < 2 { Thread.sleep(forTimeInterval: 0.01) }
        return (job, peak.value)
    }

    @Test(arguments: [3, nil] as [Int?])
    func aJobLargerThanItsWindowCompletesWithABoundedBacklog(_ window: Int?) throws {
        let cluster = try PipelineCluster(name: "window", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let pools = try cluster.startPools()
        try cluster.waitUntil("both pools to be ready") { pools.allSatisfy { $0.log.contains("worker ready") } }
        // 360 rows in batches of 10: 36 batches, 12 × (or, automatic, 18 ×) the window.
        let (job, peak) = try Self.peakReadyJobs(cluster) {
            try cluster.submit(batchSize: 10, privacy: "masked", window: window)
        }
        #expect(job.status == 0, "\(job.stderr)\n\(cluster.diagnostics())")
        // Automatic: one worker per pool, so two batches; explicit: three.
        let limit = window ?? 2
        #expect(peak <= limit, "a pool's jobs queue held \(peak) jobs; the window is \(limit) batches")
        let reference = try InProcessMaskedInference(batchSize: 10).run(network: try Reference.network, input: try Reference.inputs).output
        #expect(try DataFile.readMatrix(at: job.outputs) == reference)
    }

    @Test func jobsFromOneProducerHomeRunConcurrentlyWithoutInterfering() throws {
        let cluster = try PipelineCluster(name: "concurrent", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        try cluster.startPools()
        let sizes = [30, 45, 60]
        let jobs = sizes.map { size in Thread.detachNewThreadWithResult { try cluster.submit(batchSize: size, privacy: "masked") } }
        let network = try Reference.network, inputs = try Reference.inputs
        for (size, job) in zip(sizes, jobs) {
            let finished = try job.value(timeout: 300)
            #expect(finished.status == 0, "\(finished.stderr)")
            let reference = try InProcessMaskedInference(batchSize: size).run(network: network, input: inputs).output
            #expect(try DataFile.readMatrix(at: finished.outputs) == reference, "batch size \(size)")
        }
    }
}

/// A maximum shared between the polling thread and the test.
final class LockedPeak: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLock { stored } }
    func raise(to candidate: Int) { lock.withLock { stored = max(stored, candidate) } }
}
