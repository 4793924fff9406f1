import SecureNetsMessaging
import Testing

@Suite("Quorum queues (needs RabbitMQ)")
struct QuorumQueueTests {
    /// The arguments SecureNets declares its job and result queues with.
    static func quorumArguments(deadLetterExchange: String, deliveryLimit: Int64) -> [String: AMQPFieldValue] {
        [
            "x-queue-type": "quorum",
            "x-delivery-limit": .int64(deliveryLimit),
            "x-dead-letter-exchange": .string(deadLetterExchange),
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        ]
    }

    @Test func declaresAQuorumQueueThatRefusesAnotherType() throws {
        let connection = try Broker.connect("quorum declare")
        let queue = Broker.uniqueName("quorum")
        let exchange = Broker.uniqueName("dlx")
        try connection.declareExchange(exchange, type: .direct, durable: true)
        defer {
            _ = try? connection.deleteQueue(queue)
            try? connection.deleteExchange(exchange)
        }
        let arguments = Self.quorumArguments(deadLetterExchange: exchange, deliveryLimit: 5)
        let counts = try connection.declareQueue(queue, durable: true, arguments: arguments)
        #expect(counts.messageCount == 0 && counts.consumerCount == 0)

        // Redeclaring with the same arguments is a no-op; with another type the broker refuses,
        // which proves the arguments reached it intact and the queue really is a quorum queue.
        try connection.declareQueue(queue, durable: true, arguments: arguments)
        var classic = arguments
        classic["x-queue-type"] = "classic"
        #expect {
            try connection.declareQueue(queue, durable: true, arguments: classic)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .channelClosed && error?.replyCode == 406
                && error?.description.contains("PRECONDITION_FAILED") == true
                && error?.description.contains("x-queue-type") == true
                && error?.description.contains("current is 'quorum'") == true
                && error?.closesConnection == false
        }
        // The connection survives a channel error: the next call opens a new channel.
        #expect(try connection.declareQueuePassive(queue).messageCount == 0)
    }

    @Test func passiveDeclareOfAMissingQueueIsNotFound() throws {
        let connection = try Broker.connect("passive missing")
        #expect {
            try connection.declareQueuePassive(Broker.uniqueName("missing"))
        } throws: { error in
            (error as? AMQPError)?.replyCode == 404 && "\(error)".contains("NOT_FOUND")
        }
    }

    @Test func deliveryLimitDeadLettersAtLeastOnce() throws {
        let publisher = try Broker.connect("delivery limit publisher")
        let consumer = try Broker.connect("delivery limit consumer")
        let queue = Broker.uniqueName("limited")
        let deadLetters = Broker.uniqueName("dead")
        let exchange = Broker.uniqueName("dlx")
        defer {
            _ = try? publisher.deleteQueue(queue)
            _ = try? publisher.deleteQueue(deadLetters)
            try? publisher.deleteExchange(exchange)
        }
        try publisher.declareExchange(exchange, type: .direct)
        try publisher.declareQueue(deadLetters, arguments: ["x-queue-type": "quorum"])
        try publisher.bindQueue(deadLetters, exchange: exchange, routingKey: queue)
        try publisher.declareQueue(queue, arguments: Self.quorumArguments(deadLetterExchange: exchange, deliveryLimit: 1))
        try publisher.enablePublisherConfirms()
        try publisher.publish(routingKey: queue, body: Array("poison".utf8))

        try consumer.setPrefetch(count: 1)
        try consumer.consume(queue: queue)
        // Delivered once, requeued once (within the limit of 1 return), then dead-lettered.
        for _ in 0..<2 {
            let delivery = try #require(try consumer.nextDelivery(timeout: .seconds(10)))
            try consumer.nack(deliveryTag: delivery.deliveryTag, requeue: true)
        }
        #expect(try consumer.nextDelivery(timeout: .milliseconds(500)) == nil)

        let reader = try Broker.connect("delivery limit dead letters")
        try reader.consume(queue: deadLetters)
        let dead = try reader.receive(1)[0]
        #expect(dead.body == Array("poison".utf8))
        #expect(dead.headers["x-first-death-reason"] == "delivery_limit")
    }
}
