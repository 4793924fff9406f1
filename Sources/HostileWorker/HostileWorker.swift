import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// The misbehaving worker's loop: consume a job, answer it the way `mode` says, report what it did on
/// standard output (`hostile <mode> job <id> batch <n> attempt <a>`) so tests can match it with the audit.
final class HostileWorker {
    let mode: HostileMode
    let id: String
    let delay: Double
    /// The broker's URLs: it connects to the first that takes the connection, and has no failover after that.
    let urls: AMQPURLList
    let logger: Logger
    private var firstResult: ResultMessage?
    private var held: [AMQPDelivery] = []
    private let forger = SigningIdentity()

    init(mode: HostileMode, id: String, delay: Double, urls: AMQPURLList, logger: Logger) {
        self.mode = mode
        self.id = id
        self.delay = delay
        self.urls = urls
        self.logger = logger
    }

    func run(maxJobs: Int, prefetch: Int, stop: StopSignal) throws {
        let session = try HostileSession(urls: urls, id: id, prefetch: prefetch, logger: logger)
        defer { session.close() }
        let (consumer, publisher, models) = (session.consumer, session.publisher, session.models)
        let tag = try consumer.consume(queue: SecureNetsTopology.jobsQueue)
        print("hostile \(mode.rawValue) ready"); fflush(stdout)
        var handled = 0
        while !stop.isRaised, maxJobs == 0 || handled < maxJobs {
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(500)) else {
                try consumer.keepAlive()
                continue
            }
            let job = try JobMessage.decode(delivery.body)
            handled += 1
            print("hostile \(mode.rawValue) job \(job.manifest.jobID) batch \(job.manifest.batch) attempt \(job.manifest.attempt)")
            fflush(stdout)
            if mode == .hold {
                held.append(delivery)
                continue
            }
            if let body = try answer(job, delivery: delivery, models: models, stop: stop, consumer: consumer) {
                try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.resultsRoutingKey,
                                      body: body, mandatory: true)
            }
            if mode == .deadLetter {
                try publisher.publish(exchange: SecureNetsTopology.deadLetterExchange, routingKey: "", body: delivery.body,
                                      properties: AMQPMessageProperties(headers: [SecureNetsTopology.reasonHeader: .string("hostile worker")]),
                                      mandatory: false)
            }
            try consumer.ack(deliveryTag: delivery.deliveryTag)
        }
        try? consumer.cancel(consumerTag: tag)
        // Hold mode keeps its jobs until it stops: closing the channel returns them.
        while mode == .hold, !stop.isRaised {
            try consumer.keepAlive()
            _ = stop.wait(seconds: 0.5)
        }
    }

    /// The result body to publish for `job`, or nil to publish nothing.
    private func answer(_ job: JobMessage, delivery: AMQPDelivery, models: ModelProvider, stop: StopSignal,
                        consumer: AMQPConnection) throws -> [UInt8]? {
        func honest(input: Matrix? = nil) throws -> [Matrix] {
            guard case .blinded(let model) = try models.model(digest: job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs) else {
                throw ManifestError.invalid("a blinded job names a masked model")
            }
            let layers = model.layers[job.manifest.firstLayer..<(job.manifest.firstLayer + job.manifest.layerCount)]
            return try BlindedForward.run(input: input ?? job.input, layers: layers, precision: job.manifest.precision)
        }
        func frame(manifest: [UInt8] = job.manifestBytes, signature: [UInt8] = job.signature, metadata: String,
                   tensors: [Matrix]) -> [UInt8] {
            FrameCodec.encode(Frame(kind: .result, manifest: manifest, signature: signature, metadata: Array(metadata.utf8), tensors: tensors))
        }
        switch mode {
        case .drop, .deadLetter, .hold, .alteredProduct, .wrongLayer:
            // The masked-only modes are refused without --pool (`HostileWorkerCommand.validate`).
            return nil
        case .honest:
            return ResultMessage(job: job, outputs: try honest(), workerID: id, computeMs: 1).encode()
        case .straggle:
            let until = Date().addingTimeInterval(delay)
            while Date() < until, !stop.isRaised {
                try consumer.keepAlive()
                _ = stop.wait(seconds: 0.2)
            }
            return ResultMessage(job: job, outputs: try honest(), workerID: id, computeMs: delay * 1000).encode()
        case .forgedAttempt:
            var outputs = try honest()
            outputs[outputs.count - 1][0, 0] += 1
            return frame(metadata: #"{"attempt":1000,"compute_ms":1,"worker_id":"\#(id)"}"#, tensors: [job.input] + outputs)
        case .garbageMetadata:
            let variants = [#"{"compute_ms":-1,"worker_id":"\#(id)"}"#, #"{"compute_ms":"NaN","worker_id":"\#(id)"}"#,
                            #"{"compute_ms":1e308,"worker_id":"\#(id)"}"#,
                            #"{"compute_ms":1,"worker_id":"\#(String(repeating: "x", count: 10_000))"}"#,
                            #"{"compute_ms":1,"worker_id":"a b;DROP TABLE"}"#]
            let pick = variants[(job.manifest.batch + job.manifest.attempt) % variants.count]
            return frame(metadata: pick, tensors: [job.input] + (try honest()))
        case .missingTensor:
            return frame(metadata: #"{"compute_ms":1,"worker_id":"\#(id)"}"#, tensors: [job.input] + (try honest()).dropLast())
        case .alteredInput:
            var input = job.input
            input[0, 0] += 1
            return frame(metadata: #"{"compute_ms":1,"worker_id":"\#(id)"}"#, tensors: [input] + (try honest(input: input)))
        case .replay:
            guard let first = firstResult else {
                let result = ResultMessage(job: job, outputs: try honest(), workerID: id, computeMs: 1)
                firstResult = result
                return result.encode()
            }
            return first.encode()
        case .anotherJob:
            // A job it made up: same job id, batch and reply queue, signed with its own key.
            var manifest = job.manifest
            manifest.attempt += 1
            manifest.producerKey = forger.publicKey.fingerprint
            let forged = try JobMessage(manifest: manifest, input: job.input, signedBy: forger)
            return ResultMessage(job: forged, outputs: try honest(), workerID: id, computeMs: 1).encode()
        }
    }
}
