import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging
import Testing

/// Masked mode end to end: a verifier, one worker per pool (each as its own broker user), the real
/// producer; and the broker permissions that keep the pools apart.
@Suite("Masked mode through the broker", .serialized)
struct MaskedPipelineTests {
    static let batchSize = 100

    @Test func theJobEqualsInProcessMaskedInferenceBitForBit() throws {
        let cluster = try PipelineCluster(name: "masked", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let pools = try cluster.startPools()
        try cluster.waitUntil("both pools to be ready") { pools.allSatisfy { $0.log.contains("worker ready") } }

        let job = try cluster.submit(batchSize: Self.batchSize, privacy: "masked")
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")
        #expect(job.stderr.contains("masked mode"))

        // Z is exact mod p and R cancels, so the distributed run computes exactly what one process does
        // with the same batches: the same quantization, the same float operations after unmasking.
        let network = try Reference.network
        let inputs = try Reference.inputs
        let reference = try InProcessMaskedInference(batchSize: Self.batchSize).run(network: network, input: inputs).output
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(outputs == reference, "max difference \(Reference.maxDifference(outputs, reference))")
        let plaintext = try Reference.plaintext()
        let labels = try DataFile.readLabels(at: job.labels)
        let agreement = Double(zip(labels, plaintext.rowArgmax()).filter { $0 == $1 }.count) / Double(labels.count)
        #expect(agreement >= 0.995, "label agreement with float plaintext: \(agreement)")
        #expect(Reference.maxDifference(outputs, plaintext) <= 0.01, "masked vs float plaintext probabilities")

        // One passed row per batch, layer and pool, each saying masked mode and its pool.
        let batches = (inputs.rows + Self.batchSize - 1) / Self.batchSize
        let rows = try cluster.auditRows(job: job.id)
        let passed = rows.filter { $0.verdict == .passed }
        #expect(passed.count == batches * network.layers.count * 2, "\(rows.map { "\($0.batch ?? -1)/\($0.segment ?? -1)/\($0.pool ?? "-") \($0.verdict)" })")
        #expect(passed.allSatisfy { $0.privacyMode == "masked" && $0.precisionMode == .exact })
        let keys = Set(passed.map { "\($0.batch ?? -1) \($0.segment ?? -1) \($0.pool ?? "")" })
        #expect(keys.count == passed.count, "no (batch, layer, pool) passed twice")
        #expect(Set(passed.compactMap(\.pool)) == ["data", "mask"])
        // The audit never holds a mask seed: mask-pool rows name no input digest.
        #expect(passed.filter { $0.pool == "mask" }.allSatisfy { $0.inputDigest == nil })
        #expect(cluster.verifier?.isRunning == true)
    }

    @Test func aVerifierForOnePoolNeverTakesTheOtherPoolsResults() throws {
        let cluster = try PipelineCluster(name: "masked-split", workers: 0, verifierArguments: ["--pool", "data"])
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        #expect(cluster.verifier?.log.contains("securenets.results.data") == true)
        #expect(cluster.verifier?.log.contains("securenets.results.mask") == false)
        let admin = try AMQPConnection(url: cluster.amqpURL, connectionName: "admin", logger: Logger(label: "test"))
        defer { admin.close() }
        try cluster.waitUntil("the verifier to consume the data pool's results") {
            try admin.declareQueuePassive(SecureNetsTopology.resultsQueue(pool: "data")).consumerCount == 1
        }
        #expect(try admin.declareQueuePassive(SecureNetsTopology.resultsQueue(pool: "mask")).consumerCount == 0)
    }

    @Test func eachPoolsBrokerUserIsRefusedTheOtherPoolsQueues() throws {
        let cluster = try PipelineCluster(name: "masked-perms", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let logger = Logger(label: "test")
        func refused(_ role: String, _ queue: String) throws -> Bool {
            let connection = try AMQPConnection(url: cluster.url(role: role), connectionName: "\(role) reading \(queue)", logger: logger)
            defer { connection.close() }
            do {
                _ = try connection.consume(queue: queue)
                return false
            } catch {
                return "\(error)".contains("403") || "\(error)".contains("ACCESS_REFUSED")
            }
        }
        let jobs = { SecureNetsTopology.jobsQueue(pool: $0) }
        let results = { SecureNetsTopology.resultsQueue(pool: $0) }
        // The data pool sees one-time-padded inputs: with the mask pool's seeds it could unmask them.
        #expect(try refused("worker-data", jobs("mask")))
        #expect(try refused("worker-data", results("mask")))
        #expect(try refused("worker-data", jobs(nil)))
        #expect(try refused("worker-mask", jobs("data")))
        #expect(try refused("worker-mask", results("data")))
        #expect(try refused("worker", jobs("data")))
        #expect(try refused("worker", jobs("mask")))
        // Positive controls: each pool reads its own queue.
        #expect(try !refused("worker-data", jobs("data")))
        #expect(try !refused("worker-mask", jobs("mask")))
    }
}

/// A hostile worker in one masked-mode pool beside an honest worker of each pool: the job still
/// completes with the fault-free outputs, every wrong product is a failed row, and each batch layer
/// passes once per pool.
@Suite("Hostile masked-mode workers", .serialized)
struct MaskedHostileWorkerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let mode: String
        let pool: String
        /// Its results must leave a failed row.
        var caught = true
        var testDescription: String { "\(mode) in the \(pool) pool" }
    }

    static let cases = [
        Case(mode: "altered-product", pool: "data"),
        Case(mode: "wrong-layer", pool: "mask"),
        Case(mode: "drop", pool: "mask", caught: false),
        Case(mode: "replay", pool: "data"),
    ]

    @Test(arguments: cases)
    func theJobCompletesWithTheFaultFreeOutputs(_ hostileCase: Case) throws {
        let cluster = try PipelineCluster(name: "masked-\(hostileCase.mode)", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let hostile = try cluster.startHostileWorker(mode: hostileCase.mode, pool: hostileCase.pool, arguments: ["--max-jobs", "3"])
        try cluster.waitUntil("the hostile worker to be ready") { hostile.log.contains("ready") }
        let otherPool = hostileCase.pool == "data" ? "mask" : "data"
        try cluster.startPools([otherPool])

        let submission = Thread.detachNewThreadWithResult {
            try cluster.submit(batchSize: MaskedPipelineTests.batchSize, privacy: "masked", extra: ["--dispatch-timeout", "3"])
        }
        try cluster.waitUntil("the hostile worker to take a job") { hostile.log.contains(" job ") }
        try cluster.startPools([hostileCase.pool], suffix: "-honest")
        let job = try submission.value(timeout: 240)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())\n--- hostile\n\(hostile.log.suffix(2000))")

        let reference = try InProcessMaskedInference(batchSize: MaskedPipelineTests.batchSize)
            .run(network: try Reference.network, input: try Reference.inputs).output
        #expect(try DataFile.readMatrix(at: job.outputs) == reference)
        let rows = try cluster.auditRows(job: job.id)
        let passed = rows.filter { $0.verdict == .passed }
        let keys = Set(passed.map { "\($0.batch ?? -1) \($0.segment ?? -1) \($0.pool ?? "")" })
        #expect(keys.count == passed.count && passed.count == 4 * 3 * 2,
                "one pass per batch, layer and pool: \(rows.map { "\($0.batch ?? -1)/\($0.segment ?? -1)/\($0.pool ?? "-") \($0.verdict) \($0.workerID ?? "")" })")
        let hostileRows = rows.filter { $0.workerID == "hostile" }
        if hostileCase.caught {
            #expect(hostileRows.contains { $0.verdict != .passed && $0.pool == hostileCase.pool },
                    "audit: \(hostileRows.map { "\($0.verdict) \($0.reason ?? "")" })")
        }
        #expect(cluster.verifier?.isRunning == true, "the verifier kept serving")
    }
}

/// The producer killed mid-job in masked mode, twice (once in `submit`, once in `collect`): the
/// journal's lanes, stored products and derived seeds let `collect` finish the job with the outputs of
/// an uninterrupted run and one passed row per batch, layer and pool.
@Suite("Masked mode: producer killed, then collected", .serialized)
struct MaskedCollectTests {
    @Test func theCollectedJobEqualsAnUninterruptedOne() throws {
        let cluster = try PipelineCluster(name: "masked-collect", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        try cluster.startPools()
        let sample = try Reference.inputs
        let input = Matrix.stacking(Array(repeating: sample, count: 4), columns: sample.columns)
        let inputURL = cluster.home.appendingPathComponent("inputs-x4.npy")
        try DataFile.write(input, to: inputURL)
        let batchSize = 24
        let batches = (input.rows + batchSize - 1) / batchSize
        let outputs = cluster.home.appendingPathComponent("collected.npy")
        let labels = cluster.home.appendingPathComponent("collected-labels.npy")

        func killWhen(_ process: ChildProcess, rows: Int, job: () -> String) throws {
            try cluster.waitUntil("\(rows) audit rows") { try cluster.auditRows(job: job()).count >= rows }
            process.signal(SIGKILL)
            #expect(process.wait(timeout: 10) != nil)
        }
        var jobID = ""
        let producer = try ChildProcess(
            name: "producer", executable: RepositoryPaths.binary("securenets"),
            arguments: ["submit", "--model", RepositoryPaths.sampleModel.path, "--input", inputURL.path, "--output", outputs.path,
                        "--labels", labels.path, "--batch-size", String(batchSize), "--privacy", "masked"],
            environment: cluster.environment, logDirectory: cluster.logs)
        try cluster.waitUntil("the job's journal") {
            jobID = (try? FileManager.default.contentsOfDirectory(atPath: cluster.home.appendingPathComponent("jobs").path))?.first ?? ""
            return !jobID.isEmpty
        }
        try killWhen(producer, rows: 15) { jobID }
        let collector = try ChildProcess(name: "collect-1", executable: RepositoryPaths.binary("securenets"),
                                         arguments: ["collect", jobID, "--timeout", "120"],
                                         environment: cluster.environment, logDirectory: cluster.logs)
        try killWhen(collector, rows: 60) { jobID }
        let collected = try cluster.securenets(["collect", jobID, "--timeout", "120"], timeout: 300)
        #expect(collected.status == 0, "collect failed: \(collected.stderr)\n\(cluster.diagnostics())")

        let reference = try InProcessMaskedInference(batchSize: batchSize).run(network: try Reference.network, input: input).output
        #expect(try DataFile.readMatrix(at: outputs) == reference)
        let rows = try cluster.auditRows(job: jobID)
        let passed = rows.filter { $0.verdict == .passed }
        let keys = Set(passed.map { "\($0.batch ?? -1) \($0.segment ?? -1) \($0.pool ?? "")" })
        #expect(keys.count == passed.count && passed.count == batches * 3 * 2,
                "\(passed.count) passed rows, \(keys.count) distinct, for \(batches) batches × 3 layers × 2 pools")
        let events = try String(contentsOf: cluster.home.appendingPathComponent("jobs/\(jobID)/events.log"), encoding: .utf8)
        let done = events.split(separator: "\n").filter { $0.hasPrefix("done ") }
        #expect(done.count == batches && Set(done).count == batches)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cluster.home.appendingPathComponent("jobs/\(jobID)").path)
            .filter { $0.hasPrefix("product-") }
        #expect(leftovers.isEmpty, "stored products of finished batches are removed: \(leftovers)")
    }
}
