import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// A masked-mode pool worker that misbehaves: consumes its pool's queue as its pool's broker user and
/// answers the way `mode` says, reporting each job on standard output as `HostileWorker` does.
final class MaskedHostileWorker {
    let mode: HostileMode
    let pool: MaskedPool
    let id: String
    let delay: Double
    /// The broker's URLs: it connects to the first that takes the connection, and has no failover after that.
    let urls: AMQPURLList
    let logger: Logger
    private var firstResult: MaskedResultMessage?

    init(mode: HostileMode, pool: MaskedPool, id: String, delay: Double, urls: AMQPURLList, logger: Logger) {
        self.mode = mode
        self.pool = pool
        self.id = id
        self.delay = delay
        self.urls = urls
        self.logger = logger
    }

    func run(maxJobs: Int, prefetch: Int, stop: StopSignal) throws {
        let session = try HostileSession(urls: urls, id: id, prefetch: prefetch, logger: logger)
        defer { session.close() }
        let (consumer, publisher, models) = (session.consumer, session.publisher, session.models)
        _ = try consumer.consume(queue: SecureNetsTopology.jobsQueue(pool: pool.rawValue))
        print("hostile \(mode.rawValue) \(pool) ready"); fflush(stdout)
        var handled = 0
        while !stop.isRaised, maxJobs == 0 || handled < maxJobs {
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(500)) else {
                try consumer.keepAlive()
                continue
            }
            let job = try MaskedJobMessage.decode(delivery.body)
            handled += 1
            print("hostile \(mode.rawValue) job \(job.manifest.jobID) batch \(job.manifest.batch) layer \(job.manifest.layer) attempt \(job.manifest.attempt)")
            fflush(stdout)
            if let body = try answer(job, models: models, stop: stop, consumer: consumer) {
                try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.resultsRoutingKey(pool: pool.rawValue),
                                      body: body, mandatory: true)
            }
            try consumer.ack(deliveryTag: delivery.deliveryTag)
        }
    }

    private func answer(_ job: MaskedJobMessage, models: ModelProvider, stop: StopSignal, consumer: AMQPConnection) throws -> [UInt8]? {
        guard case .masked(let model) = try models.model(digest: job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs) else {
            throw ManifestError.invalid("a masked job names a blinded model")
        }
        let weights = model.layers[job.manifest.layer].weights
        func result(_ product: ResidueMatrix) -> [UInt8] {
            MaskedResultMessage(job: job, product: product, workerID: id, computeMs: 1).encode()
        }
        switch mode {
        case .drop:
            return nil
        case .straggle:
            let until = Date().addingTimeInterval(delay)
            while Date() < until, !stop.isRaised {
                try consumer.keepAlive()
                _ = stop.wait(seconds: 0.2)
            }
            return result(try job.poolInput.compute(weights: weights))
        case .alteredProduct:
            var elements = try job.poolInput.compute(weights: weights).elements
            elements[0] = (elements[0] + 1) % PrimeField.modulus
            return result(try ResidueMatrix(rows: job.manifest.rows, columns: weights.columns, elements: elements))
        case .wrongLayer:
            // Another layer's weights, cut or zero-padded to this layer's shape: the work of a worker
            // that skipped this layer and reused another's.
            let other = model.layers[(job.manifest.layer + 1) % model.layers.count].weights
            var values = [Int32](repeating: 0, count: weights.rows * weights.columns)
            for r in 0..<min(weights.rows, other.rows) {
                for c in 0..<min(weights.columns, other.columns) { values[r * weights.columns + c] = other.values[r * other.columns + c] }
            }
            return result(try job.poolInput.compute(weights: try QuantizedWeights(rows: weights.rows, columns: weights.columns, values: values)))
        case .replay:
            guard let first = firstResult else {
                let honest = MaskedResultMessage(job: job, product: try job.poolInput.compute(weights: weights), workerID: id, computeMs: 1)
                firstResult = honest
                return honest.encode()
            }
            return first.encode()
        default:
            return result(try job.poolInput.compute(weights: weights))
        }
    }
}
