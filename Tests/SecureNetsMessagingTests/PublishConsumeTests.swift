import Foundation
import SecureNetsMessaging
import Testing

@Suite("Publish with confirms, consume with manual acks (needs RabbitMQ)")
struct PublishConsumeTests {
    /// A quorum queue for one test, deleted at the end.
    struct Fixture {
        let publisher: AMQPConnection
        let consumer: AMQPConnection
        let queue: String

        init(_ name: String, consumerMaxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes,
             publisherMaxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes) throws {
            publisher = try Broker.connect("\(name) publisher", maxBodyBytes: publisherMaxBodyBytes)
            consumer = try Broker.connect("\(name) consumer", maxBodyBytes: consumerMaxBodyBytes)
            queue = Broker.uniqueName(name)
            try publisher.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
            try publisher.enablePublisherConfirms()
            try consumer.setPrefetch(count: 4)
        }

        func delete() { _ = try? publisher.deleteQueue(queue) }
    }

    @Test func publishConfirmedThenConsumeAndAck() throws {
        let fixture = try Fixture("confirm")
        defer { fixture.delete() }
        for index in 0..<3 {
            try fixture.publisher.publish(routingKey: fixture.queue, body: Array("message \(index)".utf8),
                                          properties: AMQPMessageProperties(messageId: "m-\(index)"))
        }
        // Confirmed means enqueued: the broker counts all three before anyone consumes.
        #expect(try fixture.publisher.declareQueuePassive(fixture.queue).messageCount == 3)

        try fixture.consumer.consume(queue: fixture.queue)
        let deliveries = try fixture.consumer.receive(3)
        #expect(deliveries.map { String(decoding: $0.body, as: UTF8.self) } == ["message 0", "message 1", "message 2"])
        #expect(deliveries.map(\.messageId) == ["m-0", "m-1", "m-2"])
        #expect(deliveries.allSatisfy { !$0.redelivered && $0.routingKey == fixture.queue && $0.exchange.isEmpty })
        #expect(try fixture.consumer.nextDelivery(timeout: .milliseconds(200)) == nil)
    }

    @Test func nackWithRequeueRedelivers() throws {
        let fixture = try Fixture("nack")
        defer { fixture.delete() }
        try fixture.publisher.publish(routingKey: fixture.queue, body: Array("again".utf8))
        try fixture.consumer.consume(queue: fixture.queue)

        let first = try #require(try fixture.consumer.nextDelivery(timeout: .seconds(10)))
        #expect(!first.redelivered)
        try fixture.consumer.nack(deliveryTag: first.deliveryTag, requeue: true)

        let second = try #require(try fixture.consumer.nextDelivery(timeout: .seconds(10)))
        #expect(second.redelivered)
        #expect(second.body == first.body)
        try fixture.consumer.reject(deliveryTag: second.deliveryTag, requeue: false)
        #expect(try fixture.consumer.nextDelivery(timeout: .milliseconds(200)) == nil)
    }

    @Test func headersAndPropertiesRoundTrip() throws {
        let fixture = try Fixture("headers")
        defer { fixture.delete() }
        let headers: [String: AMQPFieldValue] = [
            "job-id": "6f1c2a", "batch": .int32(7), "attempt": .int8(1), "layers": .int16(3),
            "rows": .int64(1 << 40), "scale": 0.125, "fast": false, "digest": .bytes(Array(0...31)),
            "published": .timestamp(Date(timeIntervalSince1970: 1_750_000_000)),
            "shape": ["rows": .int32(256), "columns": .int32(1024), "dims": [256, 1024]],
            "long": .string(String(repeating: "x", count: 70_000)),
        ]
        let properties = AMQPMessageProperties(
            headers: headers, contentType: "application/x-securenets", messageId: "job-6f1c2a/7/1",
            correlationId: "6f1c2a", replyTo: "securenets.reply.6f1c2a",
            timestamp: Date(timeIntervalSince1970: 1_750_000_001), type: "job", appId: "tests")
        try fixture.publisher.publish(routingKey: fixture.queue, body: [1, 2, 3], properties: properties)
        try fixture.consumer.consume(queue: fixture.queue)

        let delivery = try fixture.consumer.receive(1)[0]
        // Quorum queues add their own x- headers on redelivery only; a first delivery is verbatim.
        #expect(delivery.headers == headers)
        #expect(delivery.properties == properties)
        #expect(delivery.timestamp == Date(timeIntervalSince1970: 1_750_000_001))
    }

    @Test func fourMebibyteRoundTrip() throws {
        let fixture = try Fixture("large")
        defer { fixture.delete() }
        var generator = SystemRandomNumberGenerator()
        let body = (0..<(4 << 20)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try fixture.publisher.publish(routingKey: fixture.queue, body: Data(body))
        try fixture.consumer.consume(queue: fixture.queue)
        let delivery = try fixture.consumer.receive(1)[0]
        #expect(delivery.body.count == body.count)
        #expect(delivery.body == body)
    }

    @Test func unroutableMandatoryMessageIsReturned() throws {
        let connection = try Broker.connect("unroutable")
        try connection.enablePublisherConfirms()
        #expect {
            try connection.publish(exchange: "amq.direct", routingKey: Broker.uniqueName("nowhere"), body: [0],
                                   mandatory: true)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .unroutable && error?.replyCode == 312 && error?.closesConnection == false
        }
        // Not mandatory: the broker drops it and confirms.
        try connection.publish(exchange: "amq.direct", routingKey: Broker.uniqueName("nowhere"), body: [0])
    }

    /// The worker's overlap: send, do other work (here: consume and ack on the other connection),
    /// then wait for the confirm. The confirm is not lost meanwhile, and a return still fails the wait.
    @Test func confirmAwaitedLaterStillConfirmsAndReportsReturns() throws {
        let fixture = try Fixture("confirm later")
        defer { fixture.delete() }
        let first = try fixture.publisher.publishAwaitingConfirm(routingKey: fixture.queue, body: Array("first".utf8))
        try fixture.consumer.consume(queue: fixture.queue)
        #expect(try fixture.consumer.receive(1).map { String(decoding: $0.body, as: UTF8.self) } == ["first"])
        try fixture.publisher.waitForConfirm(first)

        let second = try fixture.publisher.publishAwaitingConfirm(routingKey: fixture.queue, body: Array("second".utf8))
        try fixture.publisher.waitForConfirm(second)
        #expect(try fixture.consumer.receive(1).map { String(decoding: $0.body, as: UTF8.self) } == ["second"])

        let returned = try fixture.publisher.publishAwaitingConfirm(
            exchange: "amq.direct", routingKey: Broker.uniqueName("nowhere"), body: [0], mandatory: true)
        #expect { try fixture.publisher.waitForConfirm(returned) } throws: { error in
            (error as? AMQPError)?.code == .unroutable
        }
        // The connection goes on: an ordinary confirmed publish still works.
        try fixture.publisher.publish(routingKey: fixture.queue, body: [1])
    }

    @Test func publishingToAMissingExchangeClosesOnlyTheChannel() throws {
        let connection = try Broker.connect("missing exchange")
        try connection.enablePublisherConfirms()
        #expect {
            try connection.publish(exchange: Broker.uniqueName("no-exchange"), routingKey: "x", body: [0])
        } throws: { error in
            (error as? AMQPError)?.code == .channelClosed && (error as? AMQPError)?.replyCode == 404
        }
        // Confirms are re-enabled on the new channel.
        try connection.publish(exchange: "amq.direct", routingKey: "x", body: [0])
    }

    @Test func brokerRefusesMessagesOverItsLimit() throws {
        // infra/local/rabbitmq sets max_message_size to 16 MiB (RabbitMQ 4.x's default).
        let fixture = try Fixture("over broker limit", publisherMaxBodyBytes: 64 << 20)
        defer { fixture.delete() }
        #expect {
            try fixture.publisher.publish(routingKey: fixture.queue, body: [UInt8](repeating: 7, count: (16 << 20) + 1))
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .messageTooLarge
                && error?.description.contains("message larger than the broker's limit") == true
        }
        try fixture.publisher.publish(routingKey: fixture.queue, body: [1])
    }

    @Test func clientLimitsBodiesItPublishes() throws {
        let connection = try Broker.connect("publish limit", maxBodyBytes: 1024)
        #expect {
            try connection.publish(routingKey: "anything", body: [UInt8](repeating: 0, count: 1025))
        } throws: { error in
            (error as? AMQPError)?.code == .bodyTooLarge && "\(error)".contains("above the limit of 1024 bytes")
        }
    }

    @Test func oversizedDeliveryIsRejectedWithoutBuffering() throws {
        let fixture = try Fixture("over client limit", consumerMaxBodyBytes: 1024)
        defer { fixture.delete() }
        try fixture.publisher.publish(routingKey: fixture.queue, body: [UInt8](repeating: 1, count: 4096))
        try fixture.publisher.publish(routingKey: fixture.queue, body: [UInt8](repeating: 2, count: 16))
        try fixture.consumer.consume(queue: fixture.queue)
        #expect {
            try fixture.consumer.nextDelivery(timeout: .seconds(10))
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .bodyTooLarge && error?.closesConnection == false
                && error?.description.contains("4096 bytes") == true
        }
        // The consumer carries on with the next message.
        let next = try fixture.consumer.receive(1)[0]
        #expect(next.body == [UInt8](repeating: 2, count: 16))
    }

    @Test func deletingTheQueueCancelsItsConsumer() throws {
        let fixture = try Fixture("cancelled")
        try fixture.consumer.consume(queue: fixture.queue)
        fixture.delete()
        #expect {
            try fixture.consumer.nextDelivery(timeout: .seconds(10))
        } throws: { error in
            (error as? AMQPError)?.code == .consumerCancelled
        }
    }

    @Test func deliveriesArrivingDuringAConfirmWaitAreKept() throws {
        // Against the advice, one connection both consumes and publishes: the confirm waits read
        // the deliveries, which must be kept for nextDelivery rather than lost.
        let fixture = try Fixture("shared connection")
        defer { fixture.delete() }
        let connection = fixture.consumer
        try connection.enablePublisherConfirms()
        try connection.consume(queue: fixture.queue)
        for index in 0..<3 {
            try connection.publish(routingKey: fixture.queue, body: [UInt8(index)])
        }
        try connection.keepAlive()
        #expect(try connection.receive(3).map(\.body) == [[0], [1], [2]])
    }

    @Test func closedConnectionSaysSo() throws {
        let connection = try Broker.connect("closed")
        connection.close()
        connection.close()
        #expect(!connection.isOpen)
        #expect {
            try connection.declareQueuePassive("anything")
        } throws: { error in
            (error as? AMQPError)?.code == .notOpen && "\(error)".contains("closed by the application")
        }
    }
}
