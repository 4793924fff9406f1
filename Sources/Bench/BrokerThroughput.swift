import Foundation
import Logging
import SecureNetsMessaging

/// The broker alone: persistent messages of one size published with publisher confirms into a quorum
/// queue declared like `securenets.results`, and consumed with acks at the same time — what the broker
/// does for every result, job and reply. Each publisher connection has one message in flight and waits
/// for its confirm before the next, as a worker does.
enum BrokerThroughput {
    struct Measurement: Encodable {
        let messageBytes: Int
        let messages: Int
        let publishers: Int
        /// From the first publish to the last message consumed.
        let wallSeconds: Double
        /// CPU time of every `beam.smp` process over the window (other sessions' use counts too).
        let brokerCPUSeconds: Double
        /// CPU time of this process's publisher and consumer threads (rabbitmq-c, copies).
        let clientCPUSeconds: Double
        let loadAverage: Double

        var messagesPerSecond: Double { Double(messages) / wallSeconds }
        var bytesPerSecond: Double { Double(messages * messageBytes) / wallSeconds }
        /// Broker CPU-seconds per message: what the broker's cores spend on one message in and out.
        var brokerCPUPerMessage: Double { brokerCPUSeconds / Double(messages) }

        enum CodingKeys: String, CodingKey {
            case messages, publishers
            case messageBytes = "message_bytes"
            case wallSeconds = "wall_seconds"
            case brokerCPUSeconds = "broker_cpu_seconds"
            case clientCPUSeconds = "client_cpu_seconds"
            case loadAverage = "load_average"
        }
    }

    /// Publishes `messages` bodies of `bytes` bytes from `publishers` connections (threads) while one
    /// consumer (prefetch 2) takes and acks them; the queue is deleted afterwards.
    static func measure(bytes: Int, messages: Int, publishers: Int, url: AMQPURL, maxMessageBytes: Int) throws -> Measurement {
        let logger = Logger(label: "securenets.bench")
        let queue = "securenets.bench.capacity-\(UUID().uuidString.prefix(8).lowercased())"
        let setup = try AMQPConnection(url: url, connectionName: "capacity bench broker setup", logger: logger)
        defer {
            _ = try? setup.deleteQueue(queue)
            setup.close()
        }
        // As the work queues are declared (SecureNetsTopology.workQueueArguments), dead-lettering aside.
        _ = try setup.declareQueue(queue, durable: true, arguments: [
            "x-queue-type": .string("quorum"), "x-delivery-limit": .int32(5), "x-overflow": .string("reject-publish"),
        ])
        var generator = SplitMix64(seed: 7)
        let body = (0..<bytes).map { _ in UInt8(truncatingIfNeeded: generator.next()) }

        let consumer = try AMQPConnection(url: url, connectionName: "capacity bench broker consume", maxBodyBytes: maxMessageBytes, logger: logger)
        defer { consumer.close() }
        try consumer.setPrefetch(count: 2)
        _ = try consumer.consume(queue: queue, arguments: [:])
        let connections = try (0..<publishers).map { index -> AMQPConnection in
            let connection = try AMQPConnection(url: url, connectionName: "capacity bench broker publish \(index)",
                                                maxBodyBytes: maxMessageBytes, logger: logger)
            try connection.enablePublisherConfirms()
            return connection
        }
        defer { for connection in connections { connection.close() } }

        let failures = FailureBox()
        let group = DispatchGroup()
        let clientBefore = ProcessCPU.seconds(pid: getpid())
        let brokerBefore = ProcessCPU.seconds(named: "beam.smp")
        let started = Stopwatch.now()
        for (index, connection) in connections.enumerated() {
            // An even share per publisher; the first takes the remainder.
            let share = messages / publishers + (index == 0 ? messages % publishers : 0)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    for _ in 0..<share { try connection.publish(routingKey: queue, body: body, mandatory: true) }
                } catch {
                    failures.record(error)
                }
            }
        }
        var consumed = 0
        while consumed < messages {
            if let error = failures.first { throw error }
            guard let delivery = try consumer.nextDelivery(timeout: .seconds(30)) else {
                throw BenchError("broker bench: \(consumed) of \(messages) messages consumed, then none for 30 s")
            }
            guard delivery.body.count == bytes else { throw BenchError("broker bench: a \(delivery.body.count)-byte message, expected \(bytes)") }
            try consumer.ack(deliveryTag: delivery.deliveryTag)
            consumed += 1
        }
        let wall = Stopwatch.now() - started
        group.wait()
        if let error = failures.first { throw error }
        return Measurement(messageBytes: bytes, messages: messages, publishers: publishers, wallSeconds: wall,
                           brokerCPUSeconds: ProcessCPU.seconds(named: "beam.smp") - brokerBefore,
                           clientCPUSeconds: ProcessCPU.seconds(pid: getpid()) - clientBefore, loadAverage: LoadAverage.oneMinute)
    }
}

/// The first error any publisher thread hit.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    func record(_ error: Error) { lock.withLock { if self.error == nil { self.error = error } } }
    var first: Error? { lock.withLock { error } }
}
