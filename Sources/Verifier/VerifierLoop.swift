import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// The verifier: consume a result, let `ResultHandler` decide, record and answer it, and only then ack
/// the result. Retrying a failed batch is the producer's call (it signs every attempt), not ours.
///
/// Idempotent by (job, batch, segment, attempt): a result redelivered after a crash repeats the reply
/// of its recorded row and adds none; any other second result for a verified attempt, or for a batch
/// segment that already passed, is recorded as `rejected` (a replay). If the database is unreachable
/// the result stays unacked while the verifier reconnects, so nothing is lost.
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
                               reader: ModelStreamReader(urls: configuration.amqpURLs,
                                                         maxModelBytes: configuration.modelCacheBytes, logger: logger))
        self.ledger = ledger
        if producers.keys.isEmpty {
            logger.warning("no authorized producer keys in \(configuration.authorizedProducersPath.path): every job will be rejected")
        }
    }

    public func run(until stop: StopSignal) throws {
        try ReconnectingLoop.run(until: stop, urls: configuration.amqpURLs, logger: logger) { attempt in try session(attempt, until: stop) }
    }

    private func session(_ attempt: BrokerAttempt, until stop: StopSignal) throws {
        let consumer = try attempt.connect(connectionName: "securenets-verifier \(configuration.verifierID) consume", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { consumer.close() }
        let publisher = try attempt.connect(connectionName: "securenets-verifier \(configuration.verifierID) publish", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { publisher.close() }
        try SecureNetsTopology.declare(on: publisher)
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: UInt16(clamping: configuration.prefetch))
        let queues = [SecureNetsTopology.resultsQueue]
            + configuration.pools.map(\.rawValue).sorted().map { SecureNetsTopology.resultsQueue(pool: $0) }
        let tags = try queues.map { try consumer.consume(queue: $0, arguments: [:]) }
        let handler = resultHandler(publisher: publisher)
        logger.info("verifier ready", metadata: ["queues": "\(queues.joined(separator: ","))", "rounds": "\(configuration.rounds)"])
        while !stop.isRaised {
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(500)) else { continue }
            try handleHoldingOnDatabaseErrors(delivery, handler: handler, consumer: consumer, publisher: publisher, stop: stop)
            try consumer.ack(deliveryTag: delivery.deliveryTag)
        }
        for tag in tags { try? consumer.cancel(consumerTag: tag) }
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
    private func handleHoldingOnDatabaseErrors(_ delivery: AMQPDelivery, handler: ResultHandler, consumer: AMQPConnection,
                                                publisher: AMQPConnection, stop: StopSignal) throws {
        var delivery = delivery
        var failures = 0
        while true {
            do {
                _ = try handler.handle(body: delivery.body, redelivered: delivery.redelivered)
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

    /// The decisions of one broker session, publishing on `publisher`.
    func resultHandler(publisher: AMQPConnection) -> ResultHandler {
        ResultHandler(verifierID: configuration.verifierID, rounds: configuration.rounds,
                      maxMessageBytes: configuration.maxMessageBytes, identity: identity,
                      producers: { [producers] in producers.keys },
                      reloadProducers: { [producers] in _ = try? producers.reloadIfChanged() },
                      ledger: ledger, models: models, outbox: BrokerOutbox(publisher: publisher), logger: logger,
                      servedPools: configuration.pools)
    }
}

/// The audit database cannot be reached; the verifier holds its message and retries.
public struct LedgerUnavailable: Error, CustomStringConvertible {
    public let underlying: String
    public init(_ underlying: String) { self.underlying = underlying }
    public var description: String { underlying }
}
