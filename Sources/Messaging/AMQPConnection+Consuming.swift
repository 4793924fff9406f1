import CRabbitMQ

// Consuming with manual acknowledgement: consume, then loop on nextDelivery and settle each
// delivery. Prefer a connection that does not publish (see AMQPConnection).
extension AMQPConnection {
    /// Limits the unacknowledged deliveries the broker sends this channel to `count`
    /// (`basic.qos`, per consumer). Required before consuming a stream; kept across channel
    /// reopenings.
    ///
    /// - Throws: ``AMQPError``.
    public func setPrefetch(count: UInt16) throws {
        _ = try rpc("basic.qos") { state, channel in amqp_basic_qos(state, channel, 0, count, 0) }
        prefetchCount = count
    }

    /// Starts a consumer on `queue` with manual acknowledgement; read its messages with
    /// ``nextDelivery(timeout:)``.
    ///
    /// To read a stream (`x-queue-type: stream`), call ``setPrefetch(count:)`` first and pass
    /// where to start in `arguments["x-stream-offset"]`: `"first"`, `"last"`, `"next"`, an offset
    /// (`.int64(n)`) or a time (`.timestamp(date)`: the first chunk written at or after it, so
    /// a few earlier messages may come too). Stream deliveries must be acknowledged as well.
    ///
    /// - Parameters:
    ///   - consumerTag: empty to let the broker choose one.
    ///   - exclusive: refuse other consumers on the queue while this one is active.
    /// - Returns: the consumer tag, for ``cancel(consumerTag:)``.
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` with reply code 404 when the queue
    ///   does not exist, 406 when a stream is consumed without a prefetch or with a bad offset).
    @discardableResult
    public func consume(queue: String, consumerTag: String = "", exclusive: Bool = false,
                        arguments: [String: AMQPFieldValue] = [:]) throws -> String {
        let ok = try withCArena { arena in
            try rpc("basic.consume '\(queue)'") { state, channel in
                amqp_basic_consume(state, channel, arena.bytes(queue), arena.bytes(consumerTag), 0, 0,
                                   exclusive ? 1 : 0, arena.table(arguments))
            }
        }
        return ok.consumer_tag.string
    }

    /// Stops a consumer. Messages the broker sent before it saw the cancel may still be returned
    /// by ``nextDelivery(timeout:)``: settle them (or close the connection to requeue them).
    ///
    /// - Throws: ``AMQPError``.
    public func cancel(consumerTag: String) throws {
        _ = try withCArena { arena in
            try rpc("basic.cancel '\(consumerTag)'") { state, channel in
                amqp_basic_cancel(state, channel, arena.bytes(consumerTag))
            }
        }
    }

    /// Waits up to `timeout` for the next delivery to any consumer of this connection.
    ///
    /// A body over ``maxBodyBytes`` is never buffered: the delivery is rejected without requeue
    /// (the queue's dead-letter exchange receives it, if it has one) and this method throws
    /// ``AMQPError/Code/bodyTooLarge``; the connection stays usable.
    ///
    /// - Returns: the delivery, or nil when none arrived in time.
    /// - Throws: ``AMQPError``: ``AMQPError/Code/bodyTooLarge`` as above,
    ///   ``AMQPError/Code/consumerCancelled`` when the broker cancelled a consumer (its queue was
    ///   deleted), ``AMQPError/Code/channelClosed`` (consume again) and connection failures.
    public func nextDelivery(timeout wait: Duration) throws -> AMQPDelivery? {
        let operation = "the wait for a delivery"
        let state = try liveState(during: operation)
        if !pendingDeliveries.isEmpty { return try pendingDeliveries.removeFirst().get() }
        guard channel != 0 else {
            throw AMQPError(.channelClosed, "cannot wait for deliveries: the broker closed the channel "
                            + "(\(channelClosedReason)); its consumers are gone, consume again")
        }
        let deadline = ContinuousClock.now + wait
        while let event = try nextEvent(state, until: deadline, during: operation) {
            if case .delivery(let outcome) = event { return try outcome.get() }
            record(event, during: operation)
        }
        return nil
    }

    /// Acknowledges a delivery: the broker forgets the message.
    ///
    /// - Parameter multiple: also acknowledge every earlier unsettled delivery of this channel.
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` when the channel that delivered
    ///   the message is gone; the broker then redelivers it).
    public func ack(deliveryTag: UInt64, multiple: Bool = false) throws {
        let (state, channel) = try settlingChannel("basic.ack of delivery \(deliveryTag)")
        try check(status: amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0), during: "basic.ack")
    }

    /// Refuses a delivery: requeued (delivered again, `redelivered` set; quorum queues count it
    /// against `x-delivery-limit`) or, with `requeue: false`, dead-lettered or dropped.
    ///
    /// - Parameter multiple: also refuse every earlier unsettled delivery of this channel.
    /// - Throws: ``AMQPError`` as ``ack(deliveryTag:multiple:)``.
    public func nack(deliveryTag: UInt64, requeue: Bool, multiple: Bool = false) throws {
        let (state, channel) = try settlingChannel("basic.nack of delivery \(deliveryTag)")
        try check(status: amqp_basic_nack(state, channel, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0),
                  during: "basic.nack")
    }

    /// Refuses one delivery (basic.reject, the single-message form of ``nack(deliveryTag:requeue:multiple:)``).
    ///
    /// - Throws: ``AMQPError`` as ``ack(deliveryTag:multiple:)``.
    public func reject(deliveryTag: UInt64, requeue: Bool) throws {
        let (state, channel) = try settlingChannel("basic.reject of delivery \(deliveryTag)")
        try check(status: amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0), during: "basic.reject")
    }

    /// The channel deliveries are settled on. Unlike other operations this never opens a new
    /// channel: delivery tags are only meaningful on the channel that delivered them.
    private func settlingChannel(_ operation: String) throws -> (amqp_connection_state_t, amqp_channel_t) {
        let state = try liveState(during: operation)
        guard channel != 0 else {
            throw AMQPError(.channelClosed, "\(operation) failed: the broker closed the channel that "
                            + "delivered it (\(channelClosedReason)) and will redeliver the message")
        }
        return (state, channel)
    }
}
