import Foundation
import SecureNetsMessaging
import Testing

@Suite("Streams (needs RabbitMQ)")
struct StreamTests {
    @Test func consumersReadFromFirstFromAnOffsetAndFromATimestamp() throws {
        let publisher = try Broker.connect("stream publisher")
        let stream = Broker.uniqueName("stream")
        try publisher.declareQueue(stream, durable: true, arguments: ["x-queue-type": "stream"])
        defer { _ = try? publisher.deleteQueue(stream) }
        try publisher.enablePublisherConfirms()

        for index in 0..<3 {
            try publisher.publish(routingKey: stream, body: Array("early \(index)".utf8))
        }
        // Stream timestamps are whole seconds: start the late messages in a later second than
        // the early ones and ask for that second.
        let since = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up))
        Thread.sleep(until: since.addingTimeInterval(0.2))
        for index in 0..<3 {
            try publisher.publish(routingKey: stream, body: Array("late \(index)".utf8))
        }
        let all = (0..<3).map { "early \($0)" } + (0..<3).map { "late \($0)" }

        func read(_ name: String, from offset: AMQPFieldValue, count: Int) throws -> [AMQPDelivery] {
            let consumer = try Broker.connect("stream consumer \(name)")
            try consumer.setPrefetch(count: 10) // streams refuse consumers without a prefetch
            try consumer.consume(queue: stream, arguments: ["x-stream-offset": offset])
            return try consumer.receive(count)
        }

        let fromFirst = try read("first", from: "first", count: 6)
        #expect(fromFirst.map { String(decoding: $0.body, as: UTF8.self) } == all)
        #expect(fromFirst.map { $0.headers["x-stream-offset"] } == (0..<6).map { .int64(Int64($0)) })

        let fromOffset = try read("offset", from: .int64(4), count: 2)
        #expect(fromOffset.map { String(decoding: $0.body, as: UTF8.self) } == ["late 1", "late 2"])

        let fromTimestamp = try read("timestamp", from: .timestamp(since), count: 3)
        #expect(fromTimestamp.map { String(decoding: $0.body, as: UTF8.self) } == ["late 0", "late 1", "late 2"])
    }
}
