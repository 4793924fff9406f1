import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// The worker: consume a job, fetch its model, compute the blinded segment (or, in a masked-mode pool,
/// the exact product mod p) with BLAS, publish the result with a publisher confirm, then ack the job.
/// Stateless; start as many as you like.
///
/// One result may be in flight: while the broker stores result N (a 16 MB message, about a third of
/// the compute time), the worker already computes job N + 1, and acks job N only once result N is
/// confirmed — so a job is still acked only after its result is safe, and a worker killed at any
/// point leaves every unconfirmed job to be redelivered. That needs the next job delivered ahead
/// (`--prefetch` 2, the default).
///
/// A job that can never be computed (malformed, wrong shapes) goes to the dead-letter queue with the
/// reason in a header; one that fails for a passing reason (model not yet readable) is returned to the
/// queue. Passing broker failures reconnect with capped exponential backoff; permanent ones (wrong
/// password, refused permission, ...) end `run` with the error.
public final class WorkerLoop: @unchecked Sendable {
    public let configuration: WorkerConfiguration
    let logger: Logger
    let models: ModelProvider

    public init(configuration: WorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.workerID)"
        self.logger = logger
        models = ModelProvider(cache: ModelCache(maxBytes: configuration.modelCacheBytes),
                               reader: ModelStreamReader(urls: configuration.amqpURLs,
                                                         maxModelBytes: configuration.modelCacheBytes, logger: logger))
    }

    /// Runs until `stop` is raised; the job in flight is finished first.
    public func run(until stop: StopSignal) throws {
        try ReconnectingLoop.run(until: stop, urls: configuration.amqpURLs, logger: logger, explain: explain) { attempt in
            try session(attempt, until: stop)
        }
    }

    /// The queue this worker consumes: `securenets.jobs`, or its pool's.
    var jobsQueue: String { SecureNetsTopology.jobsQueue(pool: configuration.pool?.rawValue) }

    /// The jobs queue missing is the usual state before the first verifier or producer started.
    private func explain(_ error: AMQPError) -> String? {
        guard error.isNotFound, error.description.contains("'\(jobsQueue)'") else { return nil }
        return "queue \(jobsQueue) does not exist yet: start a verifier or a producer, which declare it"
    }

    private func session(_ attempt: BrokerAttempt, until stop: StopSignal) throws {
        let consumer = try attempt.connect(connectionName: "securenets-worker \(configuration.workerID) consume", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { consumer.close() }
        let publisher = try attempt.connect(connectionName: "securenets-worker \(configuration.workerID) publish", maxBodyBytes: configuration.maxMessageBytes, logger: logger)
        defer { publisher.close() }
        // Workers do not declare the topology (their broker user may not): the verifier and producers
        // do. Until one has, consuming fails and the loop retries with backoff.
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: UInt16(clamping: configuration.prefetch))
        let tag = try consumer.consume(queue: jobsQueue, arguments: [:])
        logger.info("worker ready", metadata: ["queue": "\(jobsQueue)", "prefetch": "\(configuration.prefetch)"])
        // A result whose job is not acked yet; if the session ends with one, the broker redelivers the job.
        var inFlight: InFlightResult?
        while !stop.isRaised {
            // With a result in flight, only a job already delivered is worth starting now; otherwise
            // settle the result first rather than hold its ack.
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(inFlight == nil ? 500 : 1)) else {
                try inFlight?.settle(consumer: consumer, publisher: publisher)
                inFlight = nil
                continue
            }
            inFlight = try handle(delivery, consumer: consumer, publisher: publisher, settling: inFlight)
        }
        try inFlight?.settle(consumer: consumer, publisher: publisher)
        inFlight = nil
        try? consumer.cancel(consumerTag: tag)
        logger.info("worker stopping: no job in flight")
    }

    /// A published result whose confirm is awaited, and the job to ack once it comes.
    struct InFlightResult {
        let job: AMQPDelivery
        let confirm: AMQPConnection.PendingConfirm

        /// Waits for the result's confirm, then acks its job.
        func settle(consumer: AMQPConnection, publisher: AMQPConnection) throws {
            try publisher.waitForConfirm(confirm)
            try consumer.ack(deliveryTag: job.deliveryTag)
        }
    }

    /// Handles one job. `previous` (a result still in flight) is settled before anything else is
    /// published or acked, so results and acks keep the jobs' order; the job's own result is returned
    /// in flight, or nil when the job ended otherwise (dead-lettered, returned to the queue).
    func handle(_ delivery: AMQPDelivery, consumer: AMQPConnection, publisher: AMQPConnection,
                settling previous: InFlightResult? = nil) throws -> InFlightResult? {
        var previous = previous
        func settlePrevious() throws {
            try previous?.settle(consumer: consumer, publisher: publisher)
            previous = nil
        }
        let work: Work
        do {
            switch try JobPlan.plan(body: delivery.body, maxMessageBytes: configuration.maxMessageBytes, models: models,
                                    pool: configuration.pool) {
            case .compute(let job, let model, let layers): work = .blinded(job, model, layers)
            case .computeMasked(let job, let weights): work = .masked(job, weights)
            case .deadLetter(let reason):
                try settlePrevious()
                try deadLetter(delivery, reason: reason, consumer: consumer, publisher: publisher)
                return nil
            case .requeue(let reason):
                logger.error("returning the job to the queue", metadata: ["reason": "\(reason)"])
                try settlePrevious()
                try consumer.nack(deliveryTag: delivery.deliveryTag, requeue: true)
                return nil
            }
        } catch let error as AMQPError {
            try? settlePrevious()  // the job and result connections may well be fine
            throw error
        }
        let started = Date()
        let body: [UInt8]
        do {
            body = try work.compute(workerID: configuration.workerID) { Date().timeIntervalSince(started) * 1000 }
        } catch {
            try settlePrevious()
            try deadLetter(delivery, reason: "cannot compute job: \(error)", consumer: consumer, publisher: publisher)
            return nil
        }
        try settlePrevious()
        let confirm = try publisher.publishAwaitingConfirm(
            exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.resultsRoutingKey(pool: configuration.pool?.rawValue),
            body: body, properties: AMQPMessageProperties(headers: [:]), mandatory: true)
        logger.debug("computed", metadata: work.context.merging(["compute_ms": "\(Int(Date().timeIntervalSince(started) * 1000))"]) { $1 })
        return InFlightResult(job: delivery, confirm: confirm)
    }

    /// A planned job: what to compute and how its result is framed.
    enum Work {
        case blinded(JobMessage, BlindedModel, Range<Int>)
        case masked(MaskedJobMessage, QuantizedWeights)

        /// Computes and encodes the result; `elapsedMs` is read once the product is done.
        func compute(workerID: String, elapsedMs: () -> Double) throws -> [UInt8] {
            switch self {
            case let .blinded(job, model, layers):
                let outputs = try BlindedForward.run(input: job.input, layers: model.layers[layers], precision: job.manifest.precision)
                return ResultMessage(job: job, outputs: outputs, workerID: workerID, computeMs: elapsedMs()).encode()
            case let .masked(job, weights):
                let product = try job.poolInput.compute(weights: weights)
                return MaskedResultMessage(job: job, product: product, workerID: workerID, computeMs: elapsedMs()).encode()
            }
        }

        /// Log metadata naming the job (never a seed).
        var context: Logger.Metadata {
            switch self {
            case let .blinded(job, _, _):
                ["job": "\(job.manifest.jobID)", "batch": "\(job.manifest.batch)", "segment": "\(job.manifest.segment)",
                 "attempt": "\(job.manifest.attempt)"]
            case let .masked(job, _):
                ["job": "\(job.manifest.jobID)", "batch": "\(job.manifest.batch)", "layer": "\(job.manifest.layer)",
                 "pool": "\(job.manifest.pool)", "attempt": "\(job.manifest.attempt)"]
            }
        }
    }

    /// Parks a message that can never be processed in the dead-letter queue, with the reason.
    func deadLetter(_ delivery: AMQPDelivery, reason: String, consumer: AMQPConnection, publisher: AMQPConnection) throws {
        logger.error("dead-lettering job: \(reason)")
        try publisher.publish(exchange: SecureNetsTopology.deadLetterExchange, routingKey: "", body: delivery.body,
                              properties: AMQPMessageProperties(headers: [SecureNetsTopology.reasonHeader: .string(reason)]), mandatory: false)
        try consumer.ack(deliveryTag: delivery.deliveryTag)
    }
}
