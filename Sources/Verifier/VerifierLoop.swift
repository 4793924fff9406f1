import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// The verifier: consume a result, decide (`ResultEvaluation`), append the audit row, then either
/// forward the signed reply, or republish the batch as a new attempt, and only then ack the result.
///
/// Idempotent by (job, batch, segment, attempt): a result redelivered after a crash repeats the side
/// effect of its recorded row and adds none; any other second result for a verified attempt, or for
/// a batch segment that already passed, is recorded as `rejected` (a replay). If the database is
/// unreachable the result stays unacked while the verifier reconnects, so nothing is lost.
public final class VerifierLoop: @unchecked Sendable {
    let configuration: VerifierConfiguration
    let logger: Logger
    let identity: SigningIdentity
    let producers: AuthorizedProducers
    let models: ModelProvider
    let ledger: VerificationLedger

    public init(configuration: VerifierConfiguration, ledger: VerificationLedger, logger: Logger) throws {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "verifier"] = "\(configuration.verifierID)"
        self.logger = logger
        identity = try KeyFiles.loadPrivateKey(at: configuration.signingKeyPath)
        producers = try AuthorizedProducers(path: configuration.authorizedProducersPath)
        models = ModelProvider(cache: ModelCache(maxBytes: configuration.modelCacheBytes),
                               reader: ModelStreamReader(url: configuration.amqpURL,
                                                         maxModelBytes: configuration.modelCacheBytes, logger: logger))
        self.ledger = ledger
        if producers.keys.isEmpty {
            logger.warning("no authorized producer keys in \(configuration.authorizedProducersPath.path): every job will be rejected")
        }
    }

    public func run(until stop: StopSignal) throws {
        try ReconnectingLoop.run(until: stop, logger: logger) { attempt in try session(attempt, until: stop) }
    }

    private func session(_ attempt: BrokerAttempt, until stop: StopSignal) throws {
        let consumer = try attempt.connect(url: configuration.amqpURL, connectionName: "securenets-verifier \(configuration.verifierID) consume", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { consumer.close() }
        let publisher = try attempt.connect(url: configuration.amqpURL, connectionName: "securenets-verifier \(configuration.verifierID) publish", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { publisher.close() }
        try SecureNetsTopology.declare(on: publisher)
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: UInt16(clamping: configuration.prefetch))
        let tag = try consumer.consume(queue: SecureNetsTopology.resultsQueue, arguments: [:])
        logger.info("verifier ready", metadata: ["queue": "\(SecureNetsTopology.resultsQueue)", "rounds": "\(configuration.rounds)"])
        while !stop.isRaised {
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(500)) else { continue }
            try handleHoldingOnDatabaseErrors(delivery, consumer: consumer, publisher: publisher, stop: stop)
            try consumer.ack(deliveryTag: delivery.deliveryTag)
        }
        try? consumer.cancel(consumerTag: tag)
        logger.info("verifier stopping: no result in flight")
    }

    /// The one retry policy, capped at 10 s: a held result should move soon after the database returns.
    static let databaseRetry = RetryPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(10))

    /// Retries `handle` while the database is unreachable, keeping the delivery unacked meanwhile.
    ///
    /// A retry counts as a redelivery: the try that failed may have committed its audit row before
    /// the connection dropped (PostgreSQL can answer a COMMIT that took effect with "FATAL: terminating
    /// connection"), and a row found for this very result must then be taken as its own, its reply
    /// sent, not rejected as a replay — which would lose the batch.
    private func handleHoldingOnDatabaseErrors(_ delivery: AMQPDelivery, consumer: AMQPConnection, publisher: AMQPConnection,
                                                stop: StopSignal) throws {
        var delivery = delivery
        var failures = 0
        while true {
            do {
                try handle(delivery, publisher: publisher)
                if failures > 0 { logger.notice("database reachable again; processing resumed") }
                return
            } catch let error as AMQPError {
                throw error
            } catch let error as LedgerUnavailable {
                failures += 1
                let delay = Self.databaseRetry.delay(beforeRetry: failures)
                logger.warning("database unreachable, holding the result unacked; retrying in \(String(format: "%.1f", delay / .seconds(1))) s (attempt \(failures)): \(error)")
                // rabbitmq-c sends heartbeats only inside calls: keep both connections alive while holding.
                try consumer.keepAlive()
                try publisher.keepAlive()
                if stop.wait(for: delay) && failures > 3 {
                    // Shutting down: the unacked result returns to the queue when the channel closes.
                    throw error
                }
                try? ledger.reconnect()
                delivery.redelivered = true
            }
        }
    }

    func handle(_ delivery: AMQPDelivery, publisher: AMQPConnection) throws {
        let started = Date()
        let result: ResultMessage
        do {
            result = try ResultMessage.decode(delivery.body, limits: FrameLimits(maxFrameBytes: configuration.maxMessageBytes))
        } catch {
            try deadLetter(delivery, reason: "undecodable result: \(error)", publisher: publisher)
            return
        }
        let m = result.manifest, attempt = result.annotations.attempt
        let outputDigest = result.outputs.last.map(Digest.tensor) ?? ""
        var row = NewLedgerEntry(
            jobID: m.jobID, batch: m.batch, segment: m.segment, attempt: attempt,
            workerID: result.annotations.workerID, verifierID: configuration.verifierID, producerKeyFingerprint: "",
            precision: m.precision.rawValue, modelDigest: m.modelDigest, inputDigest: m.inputSHA256,
            outputDigest: outputDigest,
            shapes: Self.shapes(of: result),
            rounds: configuration.rounds, verdict: .rejected, reason: "", maxResidualRatio: 0, verifyMs: 0,
            workerComputeMs: result.annotations.computeMs)
        func recordRejection(_ reason: String) throws {
            row.verdict = .rejected
            row.reason = reason
            row.verifyMs = Date().timeIntervalSince(started) * 1000
            let id = try ledger.record(row)
            logger.warning("rejected result", metadata: ["job": "\(m.jobID)", "batch": "\(m.batch)", "attempt": "\(attempt)", "row": "\(id)", "reason": "\(reason)"])
        }

        // 1. Who signed it, and is the input the signed one? Reload keys once if the signer is unknown.
        var authentication = ResultEvaluation.authenticate(result, authorizedProducers: producers.keys)
        if case .failure = authentication {
            try? producers.reloadIfChanged()
            authentication = ResultEvaluation.authenticate(result, authorizedProducers: producers.keys)
        }
        let producerKey: TrustedKey
        switch authentication {
        case .success(let key): producerKey = key
        case .failure(let rejection):
            try recordRejection(rejection.reason)
            return
        }
        row.producerKeyFingerprint = producerKey.fingerprint

        // 2. Replays and duplicates.
        if let passed = try ledger.passedEntry(jobID: m.jobID, batch: m.batch, segment: m.segment) {
            if delivery.redelivered, passed.attempt == attempt, passed.outputDigest == outputDigest {
                logger.notice("redelivered result already recorded as row \(passed.id); re-sending its reply")
                try sendReply(for: result, verdict: .passed, reason: "", rowID: passed.id, ratio: 0, publisher: publisher)
                return
            }
            try recordRejection("replayed result: batch \(m.batch) segment \(m.segment) already passed (row \(passed.id))")
            return
        }
        if let earlier = try ledger.entry(jobID: m.jobID, batch: m.batch, segment: m.segment, attempt: attempt) {
            if delivery.redelivered, earlier.outputDigest == outputDigest {
                logger.notice("redelivered result already recorded as row \(earlier.id); repeating its outcome")
                try afterFailure(result, rowID: earlier.id, reason: "verification failed", publisher: publisher)
                return
            }
            try recordRejection("duplicate result: attempt \(attempt) was already verified (row \(earlier.id))")
            return
        }
        guard attempt <= configuration.maxAttempts else {
            try recordRejection("attempt \(attempt) exceeds the maximum of \(configuration.maxAttempts)")
            return
        }

        // 3. The model, then the check itself.
        let model: BlindedModel
        do {
            model = try models.model(digest: m.modelDigest, publishedAtMs: m.modelPublishedAtMs)
        } catch let error as AMQPError {
            throw error
        } catch {
            try recordRejection("model \(m.modelDigest.prefix(12)) unavailable: \(error)")
            return
        }
        let evaluation = ResultEvaluation.evaluate(result, authorizedProducers: [producerKey], model: model,
                                                   rounds: configuration.rounds)
        row.verdict = evaluation.verdict
        row.reason = evaluation.reason
        row.maxResidualRatio = evaluation.maxResidualRatio.isFinite ? evaluation.maxResidualRatio : Double.greatestFiniteMagnitude
        row.verifyMs = Date().timeIntervalSince(started) * 1000
        let rowID = try ledger.record(row)
        let context: Logger.Metadata = ["job": "\(m.jobID)", "batch": "\(m.batch)", "segment": "\(m.segment)",
                                        "attempt": "\(attempt)", "worker": "\(result.annotations.workerID)", "row": "\(rowID)"]
        switch evaluation.verdict {
        case .passed:
            logger.info("passed", metadata: context.merging(["max_residual_ratio": "\(String(format: "%.3g", evaluation.maxResidualRatio))"]) { $1 })
            try sendReply(for: result, verdict: .passed, reason: "", rowID: rowID, ratio: evaluation.maxResidualRatio, publisher: publisher)
        case .failed:
            logger.warning("failed: \(evaluation.reason)", metadata: context)
            try afterFailure(result, rowID: rowID, reason: evaluation.reason, publisher: publisher)
        case .rejected:
            logger.warning("rejected: \(evaluation.reason)", metadata: context)
        }
    }

    /// A failed attempt is recomputed as the next attempt; after the last one the producer is told.
    private func afterFailure(_ result: ResultMessage, rowID: Int64, reason: String, publisher: AMQPConnection) throws {
        let attempt = result.annotations.attempt
        if attempt < configuration.maxAttempts {
            let retry = JobMessage(resending: result, attempt: attempt + 1)
            try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.jobsRoutingKey,
                                  body: retry.encode(), properties: AMQPMessageProperties(headers: [:]), mandatory: true)
            logger.info("republished batch as attempt \(attempt + 1)", metadata: ["job": "\(result.manifest.jobID)", "batch": "\(result.manifest.batch)"])
        } else {
            try sendReply(for: result, verdict: .failed,
                          reason: "failed verification \(attempt) time(s); last: \(reason)", rowID: rowID, ratio: 0, publisher: publisher)
        }
    }

    private func sendReply(for result: ResultMessage, verdict: ReplyManifest.Verdict, reason: String, rowID: Int64,
                           ratio: Double, publisher: AMQPConnection) throws {
        let m = result.manifest
        let output = verdict == .passed ? result.outputs.last : nil
        let manifest = ReplyManifest(jobID: m.jobID, batch: m.batch, segment: m.segment, attempt: result.annotations.attempt,
                                     verdict: verdict, reason: reason, outputSHA256: output.map(Digest.tensor),
                                     auditRowID: rowID, verifierID: configuration.verifierID,
                                     maxResidualRatio: ratio.isFinite ? ratio : 0, rounds: configuration.rounds, precision: m.precision)
        let reply = try ReplyMessage(manifest: manifest, output: output, signedBy: identity)
        // Not mandatory: a reply queue that expired (job abandoned) must not block the verifier.
        try publisher.publish(exchange: SecureNetsTopology.repliesExchange, routingKey: m.replyQueue,
                              body: reply.encode(), properties: AMQPMessageProperties(headers: [:]), mandatory: false)
    }

    static func shapes(of result: ResultMessage) -> [String: [Int]] {
        var shapes = ["input": [result.input.rows, result.input.columns]]
        for (offset, output) in result.outputs.enumerated() {
            shapes["z\(result.manifest.firstLayer + offset + 1)"] = [output.rows, output.columns]
        }
        return shapes
    }

    private func deadLetter(_ delivery: AMQPDelivery, reason: String, publisher: AMQPConnection) throws {
        logger.error("dead-lettering result: \(reason)")
        try publisher.publish(exchange: SecureNetsTopology.deadLetterExchange, routingKey: "", body: delivery.body,
                              properties: AMQPMessageProperties(headers: [SecureNetsTopology.reasonHeader: .string(reason)]), mandatory: false)
    }
}

/// The audit database cannot be reached; the verifier holds its message and retries.
public struct LedgerUnavailable: Error, CustomStringConvertible {
    public let underlying: String
    public init(_ underlying: String) { self.underlying = underlying }
    public var description: String { underlying }
}
