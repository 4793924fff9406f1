import Foundation
import Logging
import SecureNets
import SecureNetsMessaging

/// One real `securenets-verifier` process fed pre-computed honest results as fast as the broker
/// delivers them, with no worker running: the verifier's capacity.
///
/// The results queue(s) are filled while no verifier runs (so that filling costs nothing during the
/// measurement), then the verifier starts and works through them, every result a genuine new attempt:
/// decode, signature, input digest, replay check against the ledger, model (fetched from the stream
/// once), the check, the audit row, the signed reply. The first batch's results are the warm-up (they
/// include the model fetch); the clock and the CPU counters run from the reply of the last warm-up
/// result to the reply of the last result, read from the job's reply queue, which the bench drains
/// as a producer would.
enum VerifierThroughput {
    struct Measurement: Encodable {
        /// Results timed (after the warm-up batch).
        let results: Int
        let rows: Int
        let wallSeconds: Double
        /// CPU time of the verifier process over the timed window.
        let verifierCPUSeconds: Double
        /// CPU time of every `beam.smp` and every `postgres` process over the window (shared services:
        /// other sessions' use counts too).
        let brokerCPUSeconds: Double
        let databaseCPUSeconds: Double
        /// Mean bytes of one reply (the producer's share of the broker traffic).
        let meanReplyBytes: Double
        /// Sizes of one batch's result frames.
        let resultBytesPerBatch: [Int]
        /// Mean `verify_ms` of the timed batches' audit rows, by pool ("blinded" for blinded mode): the handler's
        /// wall time per result, decode to reply.
        let meanVerifyMsByPool: [String: Double]
        let passed: Int
        let auditRows: Int
        let loadAverage: Double

        var resultsPerSecond: Double { Double(results) / wallSeconds }
        /// Results per CPU-second of the verifier: what one verifier core sustains when it has a core.
        var resultsPerCPUSecond: Double { Double(results) / verifierCPUSeconds }

        enum CodingKeys: String, CodingKey {
            case results, rows, passed
            case wallSeconds = "wall_seconds"
            case verifierCPUSeconds = "verifier_cpu_seconds"
            case brokerCPUSeconds = "broker_cpu_seconds"
            case databaseCPUSeconds = "database_cpu_seconds"
            case meanReplyBytes = "mean_reply_bytes"
            case resultBytesPerBatch = "result_bytes_per_batch"
            case meanVerifyMsByPool = "mean_verify_ms_by_pool"
            case auditRows = "audit_rows"
            case loadAverage = "load_average"
        }
    }

    /// Fills the queue with `batches` + 1 batches of `results` (the first is the warm-up), runs the
    /// verifier through them and stops it again.
    static func measure(_ results: HonestResults, batches: Int, cluster: BenchCluster, maxMessageBytes: Int) throws -> Measurement {
        let jobID = "capacity-\(results.privacy)-\(UUID().uuidString.prefix(8).lowercased())"
        let replyQueue = SecureNetsTopology.replyQueue(forJob: jobID)
        let url = try AMQPURL(cluster.applicationURL)
        let logger = Logger(label: "securenets.bench")
        let publisher = try AMQPConnection(url: url, connectionName: "capacity bench publish", maxBodyBytes: maxMessageBytes, logger: logger)
        defer { publisher.close() }
        try SecureNetsTopology.declare(on: publisher)
        try SecureNetsTopology.declareReplyQueue(forJob: jobID, on: publisher)
        try publisher.enablePublisherConfirms()

        let identity = try KeyFiles.loadPrivateKey(at: cluster.keyring.producerPrivateKey)
        let (digest, chunks) = ModelChunks.split(results.modelBytes)
        let publishedAt = Int64(Date().timeIntervalSince1970 * 1000)
        for chunk in chunks {
            try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.modelsRoutingKey, body: chunk,
                                  properties: AMQPMessageProperties(headers: ["x-securenets-model": .string(digest)]), mandatory: true)
        }
        let context = HonestResults.Context(jobID: jobID, replyQueue: replyQueue, modelDigest: digest,
                                            modelPublishedAtMs: publishedAt, identity: identity)
        var resultBytes: [Int] = []
        for batch in 0...batches {
            for index in 0..<results.resultsPerBatch {
                let frame = try results.result(batch: batch, index: index, context: context)
                if batch == 0 { resultBytes.append(frame.body.count) }
                try publisher.publish(exchange: SecureNetsTopology.exchange,
                                      routingKey: SecureNetsTopology.resultsRoutingKey(pool: frame.pool?.rawValue),
                                      body: frame.body, mandatory: true)
            }
        }
        let warmup = results.resultsPerBatch, total = (batches + 1) * results.resultsPerBatch

        let replies = try AMQPConnection(url: url, connectionName: "capacity bench replies", maxBodyBytes: maxMessageBytes, logger: logger)
        defer { replies.close() }
        try replies.setPrefetch(count: 16)
        _ = try replies.consume(queue: replyQueue, arguments: [:])
        try cluster.startVerifier()
        defer { cluster.stopVerifier() }
        let pid = cluster.verifierPID!

        var received = 0, replyBytes = 0
        var start: (time: Double, verifier: Double, broker: Double, database: Double)?
        let deadline = Stopwatch.now() + 120 + Double(total)
        while received < total {
            guard Stopwatch.now() < deadline else {
                throw BenchError("the verifier answered \(received) of \(total) results in time:\n\(cluster.diagnostics())")
            }
            guard let reply = try replies.nextDelivery(timeout: .milliseconds(200)) else { continue }
            try replies.ack(deliveryTag: reply.deliveryTag)
            received += 1
            if received > warmup { replyBytes += reply.body.count }
            if received == warmup {
                start = (Stopwatch.now(), ProcessCPU.seconds(pid: pid), ProcessCPU.seconds(named: "beam.smp"),
                         ProcessCPU.seconds(named: "postgres"))
            }
        }
        let end = (time: Stopwatch.now(), verifier: ProcessCPU.seconds(pid: pid), broker: ProcessCPU.seconds(named: "beam.smp"),
                   database: ProcessCPU.seconds(named: "postgres"))
        let load = LoadAverage.oneMinute
        // Batch 0 is the warm-up (its first result waited for the model): left out, like its timing.
        let audit = try AuditByPool(job: jobID, firstBatch: 1)
        let timed = total - warmup
        return Measurement(
            results: timed, rows: timed / results.resultsPerBatch * results.rows, wallSeconds: end.time - start!.time,
            verifierCPUSeconds: end.verifier - start!.verifier, brokerCPUSeconds: end.broker - start!.broker,
            databaseCPUSeconds: end.database - start!.database, meanReplyBytes: Double(replyBytes) / Double(timed),
            resultBytesPerBatch: resultBytes, meanVerifyMsByPool: audit.meanVerifyMs,
            passed: audit.passed, auditRows: audit.rows, loadAverage: load)
    }
}

/// A job's audit rows from batch `firstBatch` on, by pool: how many passed and the mean `verify_ms`.
struct AuditByPool {
    let rows: Int
    let passed: Int
    let meanVerifyMs: [String: Double]

    init(job: String, firstBatch: Int) throws {
        guard !job.isEmpty, job.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { throw BenchError("odd job id '\(job)'") }
        let query = """
            SELECT coalesce(pool, 'blinded'), count(*), count(*) FILTER (WHERE verdict = 'passed'), avg(verify_ms) \
            FROM verification_audit WHERE job_id = '\(job)' AND batch >= \(firstBatch) GROUP BY 1 ORDER BY 1
            """
        var rows = 0, passed = 0, means: [String: Double] = [:]
        for fields in try Spawn.psql(query, what: "the audit rows of job \(job)") {
            guard fields.count == 4, let count = Int(fields[1]), let ok = Int(fields[2]) else { continue }
            rows += count
            passed += ok
            means[fields[0]] = Double(fields[3])
        }
        self.rows = rows
        self.passed = passed
        meanVerifyMs = means
    }
}
