import CRabbitMQ

/// What the broker sent that a caller waits for.
enum AMQPEvent {
    /// A delivery, or why one could not be handed over (too large, consumer cancelled).
    case delivery(Result<AMQPDelivery, AMQPError>)
    case ack(tag: UInt64, multiple: Bool)
    case nack(tag: UInt64, multiple: Bool)
    case returned(replyCode: Int, replyText: String)
}

// The one loop that reads what the broker sends asynchronously. Whoever waits for one kind of
// event (a delivery, a confirm) may receive another: deliveries and consumer errors are queued in
// `pendingDeliveries` for nextDelivery instead of being dropped, so even a connection that both
// publishes and consumes loses nothing.
extension AMQPConnection {
    /// Keeps an idle connection alive: sends a heartbeat if one is due and processes what the
    /// broker sent meanwhile, without waiting.
    ///
    /// rabbitmq-c exchanges heartbeats only while a call waits for the broker, and RabbitMQ drops
    /// a connection that misses two. A connection that is used often, or that waits in
    /// ``nextDelivery(timeout:)``, needs nothing more; call this at least once per heartbeat on
    /// one that sits idle, such as a publisher between messages (e.g. each time the consumer's
    /// `nextDelivery(timeout: .seconds(1))` returns). Deliveries that arrive are kept for
    /// ``nextDelivery(timeout:)``; returned messages are logged.
    ///
    /// - Throws: ``AMQPError`` when the connection or its channel was closed meanwhile.
    public func keepAlive() throws {
        let operation = "keepAlive"
        let state = try liveState(during: operation)
        while let event = try nextEvent(state, until: .now, during: operation) {
            record(event, during: operation)
        }
    }

    /// The next event on the open channel, or nil once `deadline` passes.
    func nextEvent(_ state: amqp_connection_state_t, until deadline: ContinuousClock.Instant,
                   during operation: String) throws -> AMQPEvent? {
        while true {
            amqp_maybe_release_buffers(state) // everything read before was copied out
            guard let frame = try nextFrame(state, until: deadline, during: operation) else { return nil }
            if try handleAsynchronous(frame, during: operation) { continue }
            let method = frame.payload.method
            switch method.id {
            case SECURENETS_BASIC_DELIVER_METHOD:
                return .delivery(try readDelivery(try decoded(method, as: amqp_basic_deliver_t.self), state))
            case SECURENETS_BASIC_ACK_METHOD:
                let ack = try decoded(method, as: amqp_basic_ack_t.self)
                return .ack(tag: ack.delivery_tag, multiple: ack.multiple != 0)
            case SECURENETS_BASIC_NACK_METHOD:
                let nack = try decoded(method, as: amqp_basic_nack_t.self)
                return .nack(tag: nack.delivery_tag, multiple: nack.multiple != 0)
            case SECURENETS_BASIC_RETURN_METHOD:
                let returned = try decoded(method, as: amqp_basic_return_t.self)
                let event = AMQPEvent.returned(replyCode: Int(returned.reply_code),
                                               replyText: returned.reply_text.string)
                _ = try readContent(state, channel: channel, keepingBody: false, during: operation)
                return event
            case SECURENETS_BASIC_CANCEL_METHOD:
                let tag = try decoded(method, as: amqp_basic_cancel_t.self).consumer_tag.string
                return .delivery(.failure(AMQPError(.consumerCancelled, "the broker cancelled consumer '\(tag)': "
                                                    + "its queue was deleted or became unavailable")))
            default:
                logger.debug("ignoring method 0x\(String(method.id, radix: 16)) during \(operation)")
            }
        }
    }

    /// Keeps an event that arrived while waiting for something else.
    func record(_ event: AMQPEvent, during operation: String) {
        switch event {
        case .delivery(let outcome):
            pendingDeliveries.append(outcome)
        case .returned(let code, let text):
            logger.warning("broker returned an unroutable message", metadata: ["amqp.reply": "\(code) \(text)"])
        case .ack, .nack:
            break // confirms of messages whose wait already ended (timed out)
        }
    }

    /// Reads the content of a delivery. A body over ``maxBodyBytes`` is rejected without being
    /// buffered, and becomes an error for the caller of nextDelivery.
    private func readDelivery(_ deliver: amqp_basic_deliver_t,
                              _ state: amqp_connection_state_t) throws -> Result<AMQPDelivery, AMQPError> {
        // Copy the method's fields first: reading the content recycles the memory they are in.
        let deliveryTag = deliver.delivery_tag
        let exchange = deliver.exchange.string
        let routingKey = deliver.routing_key.string
        let consumerTag = deliver.consumer_tag.string
        let redelivered = deliver.redelivered != 0
        let content = try readContent(state, channel: channel, keepingBody: true,
                                      during: "basic.deliver to consumer '\(consumerTag)'")
        guard let body = content.body else {
            try reject(deliveryTag: deliveryTag, requeue: false)
            return .failure(AMQPError(.bodyTooLarge, "delivery \(deliveryTag) from exchange '\(exchange)' with "
                                      + "routing key '\(routingKey)' has a body of \(content.bodySize) bytes, above "
                                      + "the limit of \(maxBodyBytes) bytes; rejected without requeue"))
        }
        return .success(AMQPDelivery(body: body, deliveryTag: deliveryTag, redelivered: redelivered,
                                     exchange: exchange, routingKey: routingKey, consumerTag: consumerTag,
                                     properties: content.properties))
    }
}
