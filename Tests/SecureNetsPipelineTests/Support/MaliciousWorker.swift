import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// A test double built on the library that speaks the real protocol: it computes each job honestly,
/// then tampers with the result before publishing it, like a worker cutting corners or lying.
final class MaliciousWorker: @unchecked Sendable {
    enum Tampering: Sendable { case nudgeOneEntry, zeros, float16Operands }

    let id: String
    let url: AMQPURL
    let tampering: Tampering
    let maxJobs: Int
    private let lock = NSLock()
    private var handled = 0
    private(set) var tamperedBatches: [Int] = []

    init(id: String, url: AMQPURL, tampering: Tampering, maxJobs: Int) {
        self.id = id
        self.url = url
        self.tampering = tampering
        self.maxJobs = maxJobs
    }

    var handledCount: Int { lock.withLock { handled } }

    /// Consumes and tampers with `maxJobs` jobs, then returns (leaving the rest to honest workers).
    func run() throws {
        let logger = Logger(label: "test.malicious")
        let consumer = try AMQPConnection(url: url, connectionName: "malicious consume", maxBodyBytes: 128 << 20, logger: logger)
        defer { consumer.close() }
        let publisher = try AMQPConnection(url: url, connectionName: "malicious publish", maxBodyBytes: 128 << 20, logger: logger)
        defer { publisher.close() }
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: 1)
        let models = ModelProvider(cache: ModelCache(maxBytes: 1 << 28),
                                   reader: ModelStreamReader(url: url, maxModelBytes: 1 << 28, logger: logger))
        let tag = try consumer.consume(queue: SecureNetsTopology.jobsQueue)
        while handledCount < maxJobs {
            guard let delivery = try consumer.nextDelivery(timeout: .seconds(1)) else { continue }
            let job = try JobMessage.decode(delivery.body)
            guard case .blinded(let model) = try models.model(digest: job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs) else {
                throw ManifestError.invalid("a blinded job names a masked model")
            }
            let layers = model.layers[job.manifest.firstLayer..<(job.manifest.firstLayer + job.manifest.layerCount)]
            var outputs: [Matrix]
            switch tampering {
            case .float16Operands:
                let rounded = Matrix(rows: job.input.rows, columns: job.input.columns,
                                     elements: job.input.elements.map { Float(Float16($0)) })
                outputs = try BlindedForward.run(input: rounded, layers: layers, precision: .exact)
            case .nudgeOneEntry, .zeros:
                outputs = try BlindedForward.run(input: job.input, layers: layers, precision: .exact)
            }
            let last = outputs.count - 1
            switch tampering {
            case .nudgeOneEntry:
                let row = outputs[last].row(0)
                let mean = row.map { abs($0) }.reduce(0, +) / Float(row.count)
                outputs[last][0, 0] += max(mean * 0.01, 1e-3)
            case .zeros:
                outputs[last] = Matrix(rows: outputs[last].rows, columns: outputs[last].columns)
            case .float16Operands:
                break
            }
            let result = ResultMessage(job: job, outputs: outputs, workerID: id, computeMs: 1)
            try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.resultsRoutingKey,
                                  body: result.encode(), mandatory: true)
            try consumer.ack(deliveryTag: delivery.deliveryTag)
            lock.withLock {
                handled += 1
                tamperedBatches.append(job.manifest.batch)
            }
        }
        try? consumer.cancel(consumerTag: tag)
    }
}
