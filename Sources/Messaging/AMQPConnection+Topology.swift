import CRabbitMQ

// Exchanges, queues and bindings. Every call is a synchronous method: it returns once the broker
// agreed, and throws ``AMQPError/Code/channelClosed`` (connection still usable) when the broker
// refuses, e.g. `406 PRECONDITION_FAILED - inequivalent arg 'x-queue-type'` when a queue exists
// with other arguments, or `404 NOT_FOUND` for a missing queue or exchange.
extension AMQPConnection {
    /// Declares an exchange, or checks that an identical one exists.
    ///
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` with reply code 406 when the
    ///   exchange exists with another type or durability).
    public func declareExchange(_ name: String, type: AMQPExchangeType = .direct, durable: Bool = true,
                                autoDelete: Bool = false, arguments: [String: AMQPFieldValue] = [:]) throws {
        _ = try withCArena { arena in
            try rpc("exchange.declare '\(name)'") { state, channel in
                amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes(type.name),
                                      0, durable ? 1 : 0, autoDelete ? 1 : 0, 0, arena.table(arguments))
            }
        }
    }

    /// Deletes an exchange. Deleting one that does not exist succeeds (RabbitMQ 3.x and later).
    ///
    /// - Parameter ifUnused: refuse (406) when queues are still bound to it.
    public func deleteExchange(_ name: String, ifUnused: Bool = false) throws {
        _ = try withCArena { arena in
            try rpc("exchange.delete '\(name)'") { state, channel in
                amqp_exchange_delete(state, channel, arena.bytes(name), ifUnused ? 1 : 0)
            }
        }
    }

    /// Declares a queue, or checks that an identical one exists, and returns its current counts.
    ///
    /// Queue types and their features are arguments: `["x-queue-type": "quorum",
    /// "x-delivery-limit": 5, "x-dead-letter-exchange": "dlx"]`, `["x-queue-type": "stream"]`.
    ///
    /// - Returns: the ready messages and the consumers of the queue.
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` with reply code 406 when the
    ///   queue exists with other arguments, e.g. another `x-queue-type`).
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false,
                             autoDelete: Bool = false,
                             arguments: [String: AMQPFieldValue] = [:]) throws -> (messageCount: Int, consumerCount: Int) {
        let ok = try withCArena { arena in
            try rpc("queue.declare '\(name)'") { state, channel in
                amqp_queue_declare(state, channel, arena.bytes(name), 0, durable ? 1 : 0, exclusive ? 1 : 0,
                                   autoDelete ? 1 : 0, arena.table(arguments))
            }
        }
        return (Int(ok.message_count), Int(ok.consumer_count))
    }

    /// Checks that a queue exists, without creating or changing it, and returns its counts.
    ///
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` with reply code 404 when it
    ///   does not exist).
    @discardableResult
    public func declareQueuePassive(_ name: String) throws -> (messageCount: Int, consumerCount: Int) {
        let ok = try withCArena { arena in
            try rpc("queue.declare (passive) '\(name)'") { state, channel in
                amqp_queue_declare(state, channel, arena.bytes(name), 1, 0, 0, 0, amqp_table_t(num_entries: 0, entries: nil))
            }
        }
        return (Int(ok.message_count), Int(ok.consumer_count))
    }

    /// Routes messages published to `exchange` with `routingKey` to `queue`.
    ///
    /// - Throws: ``AMQPError`` (``AMQPError/Code/channelClosed`` with reply code 404 when the
    ///   queue or the exchange does not exist).
    public func bindQueue(_ queue: String, exchange: String, routingKey: String,
                          arguments: [String: AMQPFieldValue] = [:]) throws {
        _ = try withCArena { arena in
            try rpc("queue.bind '\(queue)' to '\(exchange)'") { state, channel in
                amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                                arena.table(arguments))
            }
        }
    }

    /// Deletes a queue and the messages in it. Deleting a queue that does not exist succeeds.
    ///
    /// - Parameters:
    ///   - ifUnused: refuse (406) while it has consumers.
    ///   - ifEmpty: refuse (406) while it holds messages.
    /// - Returns: the number of messages deleted with it.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) throws -> Int {
        let ok = try withCArena { arena in
            try rpc("queue.delete '\(name)'") { state, channel in
                amqp_queue_delete(state, channel, arena.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0)
            }
        }
        return Int(ok.message_count)
    }
}
