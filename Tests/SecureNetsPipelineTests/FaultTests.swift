import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging
import SecureNetsServices
import SecureNetsVerifier
import Testing

/// Faults injected into a running job with the real services: after each, the job completes, every
/// output row equals a fault-free run, no batch has two passed rows and no reply is applied twice.
@Suite("Faults during a job", .serialized)
struct FaultTests {
    /// A job of many small batches over the tiled sample, so faults land while work is in flight.
    struct LongJob {
        let input: Matrix
        let inputURL: URL
        let batchSize = 12
        var batches: Int { (input.rows + batchSize - 1) / batchSize }

        init(cluster: PipelineCluster, copies: Int = 6) throws {
            let sample = try Reference.inputs
            input = Matrix.stacking(Array(repeating: sample, count: copies), columns: sample.columns)
            inputURL = cluster.home.appendingPathComponent("inputs-x\(copies).npy")
            try DataFile.write(input, to: inputURL)
        }

        /// Output, audit and journal invariants after the job finished.
        func expectCompleteAndExact(_ job: SubmittedJob, cluster: PipelineCluster, _ fault: String) throws {
            #expect(job.status == 0, "\(fault): submit failed: \(job.stderr)\n\(cluster.diagnostics())")
            let rows = try cluster.auditRows(job: job.id)
            let passed = rows.filter { $0.verdict == .passed }
            #expect(passed.count == batches, "\(fault): \(passed.count) passed rows for \(batches) batches")
            #expect(Set(passed.compactMap(\.batch)) == Set(0..<batches), "\(fault): a batch is missing or doubled")
            let outputs = try DataFile.readMatrix(at: job.outputs)
            let reference = try InProcessSecureInference(batchSize: batchSize).run(network: try Reference.network, input: input).output
            #expect(outputs.rows == input.rows)
            #expect(Reference.maxDifference(outputs, reference) <= Reference.probabilityTolerance, "\(fault): outputs differ")
            let plaintextLabels = try Reference.network.forward(input).rowArgmax()
            #expect(try DataFile.readLabels(at: job.labels) == plaintextLabels, "\(fault): labels differ")
            // The journal applied each batch's final reply once.
            let events = try String(contentsOf: cluster.home.appendingPathComponent("jobs/\(job.id)/events.log"), encoding: .utf8)
            let done = events.split(separator: "\n").filter { $0.hasPrefix("done ") }
            #expect(done.count == batches && Set(done).count == batches, "\(fault): journal has \(done.count) done lines")
        }
    }

    static let rabbitmq = RepositoryPaths.root.appendingPathComponent("infra/local/rabbitmq")
    static let postgres = RepositoryPaths.root.appendingPathComponent("infra/local/postgres")

    @Test func rabbitMQRestartedMidJob() throws {
        let cluster = try PipelineCluster(name: "brokerrestart", workers: 2)
        defer { cluster.shutdown() }
        let long = try LongJob(cluster: cluster)
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(input: long.inputURL, batchSize: long.batchSize, timeout: 400) }
        try cluster.waitUntil("some batches verified") {
            try cluster.auditRows(job: submission.jobIDFromJournal(home: cluster.home) ?? "-").count >= 3
        }
        let stopped = try runCommand(FaultTests.rabbitmq, ["stop"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        Thread.sleep(forTimeInterval: 2)
        let started = try runCommand(FaultTests.rabbitmq, ["start"])
        #expect(started.status == 0, "\(started.stderr)")
        let job = try submission.value(timeout: 400)
        try long.expectCompleteAndExact(job, cluster: cluster, "broker restart")
        // Every process noticed and said so.
        #expect(cluster.workers.allSatisfy { $0.log.contains("; retrying in ") }, "workers log their reconnection")
        #expect(cluster.verifier?.log.contains("; retrying in ") == true, "the verifier logs its reconnection")
    }

    @Test func postgreSQLStoppedFor30SecondsMidJob() throws {
        let cluster = try PipelineCluster(name: "dboutage", workers: 2)
        defer {
            _ = try? runCommand(FaultTests.postgres, ["start"])
            cluster.shutdown()
        }
        let long = try LongJob(cluster: cluster)
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(input: long.inputURL, batchSize: long.batchSize, timeout: 400) }
        try cluster.waitUntil("some batches verified") {
            try cluster.auditRows(job: submission.jobIDFromJournal(home: cluster.home) ?? "-").count >= 3
        }
        let stopped = try runCommand(FaultTests.postgres, ["stop"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        Thread.sleep(forTimeInterval: 30)
        // While the database was down the verifier held its result: the results queue kept the work.
        #expect(cluster.verifier?.log.contains("database unreachable, holding the result unacked") == true)
        let started = try runCommand(FaultTests.postgres, ["start"])
        #expect(started.status == 0, "\(started.stderr)")
        let job = try submission.value(timeout: 400)
        try long.expectCompleteAndExact(job, cluster: cluster, "database outage")
        #expect(cluster.verifier?.isRunning == true)
    }

    @Test func auditCommitWhoseAnswerWasLost() throws {
        // Found by scripts/chaos.sh: during a database outage the verifier saw "COMMIT: FATAL: terminating
        // connection". The row may be committed all the same; the retry must then send its reply, not
        // reject the very same result as a replay (which lost the batch and hung the producer).
        let cluster = try PipelineCluster(name: "commitlost", workers: 1)
        defer { cluster.shutdown() }
        // The verifier process migrates the schema and creates the local keys; an in-process verifier
        // with a ledger that loses COMMIT answers takes over.
        try cluster.waitUntil("the verifier to start") { cluster.verifier?.log.contains("verifier ready") == true }
        cluster.verifier?.stop()
        let keys = LocalKeyring(directory: cluster.home.appendingPathComponent("keys"))
        let ledger = try AnswerLostLedger(url: PipelineCluster.databaseURL, losing: 3)
        let configuration = VerifierConfiguration(
            verifierID: "\(cluster.verifierID)-inprocess", amqpURL: cluster.amqpURL, databaseURL: PipelineCluster.databaseURL,
            signingKeyPath: keys.verifierPrivateKey, authorizedProducersPath: keys.authorizedProducers)
        let loop = try VerifierLoop(configuration: configuration, ledger: ledger, logger: Logger(label: "test.verifier"))
        let stop = StopSignal()
        let verifier = Thread.detachNewThreadWithResult { try loop.run(until: stop) }
        defer {
            stop.raise()
            _ = try? verifier.value(timeout: 30)
        }
        let batchSize = 40
        let job = try cluster.submit(batchSize: batchSize, extra: ["--timeout", "30"])
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")
        #expect(ledger.answersLost == 3)
        let rows = try cluster.auditRows(job: job.id)
        let batches = (try Reference.inputs.rows + batchSize - 1) / batchSize
        #expect(rows.filter { $0.verdict == .passed }.count == batches)
        #expect(Set(rows.filter { $0.verdict == .passed }.compactMap(\.batch)) == Set(0..<batches))
        #expect(rows.filter { $0.verdict == .rejected }.isEmpty, "a result was rejected as a replay of itself")
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: batchSize)) <= Reference.probabilityTolerance)
    }

    @Test func producerKilledThenCollected() throws {
        let cluster = try PipelineCluster(name: "collect", workers: 2)
        defer { cluster.shutdown() }
        let long = try LongJob(cluster: cluster)
        let outputs = cluster.home.appendingPathComponent("collected.npy")
        let labels = cluster.home.appendingPathComponent("collected-labels.npy")
        let producer = try ChildProcess(
            name: "producer", executable: RepositoryPaths.binary("securenets"),
            arguments: ["submit", "--model", RepositoryPaths.sampleModel.path, "--input", long.inputURL.path,
                        "--output", outputs.path, "--labels", labels.path, "--batch-size", String(long.batchSize),
                        "--privacy", "blinded"],
            environment: cluster.environment, logDirectory: cluster.logs)
        var jobID = ""
        try cluster.waitUntil("the producer to get some batches verified") {
            jobID = (try? FileManager.default.contentsOfDirectory(atPath: cluster.home.appendingPathComponent("jobs").path))?.first ?? ""
            guard !jobID.isEmpty else { return false }
            return try cluster.auditRows(job: jobID).count >= 5
        }
        producer.signal(SIGKILL)
        #expect(producer.wait(timeout: 10) != nil)
        let collected = try cluster.securenets(["collect", jobID, "--timeout", "120"], timeout: 300)
        let job = SubmittedJob(id: jobID, status: collected.status, stdout: collected.stdout, stderr: collected.stderr,
                               outputs: outputs, labels: labels)
        try long.expectCompleteAndExact(job, cluster: cluster, "producer killed, then collect")
    }

    @Test func verifierKilledBetweenCommitAndAck() throws {
        // Reproduce the window exactly: the row is committed, the reply not sent, the result not acked.
        let cluster = try PipelineCluster(name: "verifiercrash", workers: 1)
        defer { cluster.shutdown() }
        let long = try LongJob(cluster: cluster, copies: 2)
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(input: long.inputURL, batchSize: long.batchSize, timeout: 400) }
        // Kill the verifier repeatedly while results flow; each kill may land anywhere, including
        // between a commit and its ack, and a fresh verifier takes over.
        for _ in 0..<4 {
            try cluster.waitUntil("progress") {
                try cluster.auditRows(job: submission.jobIDFromJournal(home: cluster.home) ?? "-").count >= 1
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.4))
            cluster.verifier?.signal(SIGKILL)
            _ = cluster.verifier?.wait(timeout: 10)
            try cluster.startVerifier()
        }
        let job = try submission.value(timeout: 400)
        try long.expectCompleteAndExact(job, cluster: cluster, "verifier SIGKILL")
    }
}
