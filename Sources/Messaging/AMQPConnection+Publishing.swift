import CRabbitMQ
import Foundation

// Publishing, with publisher confirms: after enablePublisherConfirms, publish returns only once
// the broker has taken responsibility for the message (written it to its queues' stores). Prefer
// a connection that does not consume (see AMQPConnection).
extension AMQPConnection {
    /// Puts the channel in confirm mode: from now on ``publish(exchange:routingKey:body:properties:mandatory:)``
    /// waits for the broker's acknowledgement of each message. Kept across channel reopenings.
    /// Calling it again does nothing.
    ///
    /// - Throws: ``AMQPError``.
    public func enablePublisherConfirms() throws {
        guard !confirmsEnabled else { return }
        _ = try rpc("confirm.select") { state, channel in amqp_confirm_select(state, channel) }
        confirmsEnabled = true
        publishSequence = 0
    }

    /// Publishes one message.
    ///
    /// With confirms enabled this blocks until the broker acknowledges the message and throws
    /// when it does not take it:
    /// - ``AMQPError/Code/nacked``: the broker refused it (basic.nack, e.g. a quorum queue with
    ///   `x-overflow: reject-publish` is full);
    /// - ``AMQPError/Code/unroutable``: `mandatory` and no queue matched (basic.return);
    /// - ``AMQPError/Code/messageTooLarge``: above the broker's `max_message_size` (the broker
    ///   closed the channel; the next call opens another);
    /// - ``AMQPError/Code/channelClosed``: e.g. `404 NOT_FOUND` for a missing exchange;
    /// - ``AMQPError/Code/timeout``: no answer within ``timeout`` (the message may or may not
    ///   have been taken: publish it again and let consumers deduplicate); the connection stays
    ///   usable, and the error says whether the broker was blocking publishers.
    ///
    /// Without confirms the call returns once the message is written to the socket; broker
    /// refusals surface on a later call, and returned messages are only logged.
    ///
    /// Sending itself may block while the broker applies TCP back-pressure (a resource alarm);
    /// rabbitmq-c offers no timeout for writes.
    ///
    /// - Parameters:
    ///   - exchange: empty for the default exchange, which routes to the queue named `routingKey`.
    ///   - body: at most ``maxBodyBytes``; checked before anything is sent
    ///     (``AMQPError/Code/bodyTooLarge``).
    ///   - properties: headers, persistence (default persistent) and other metadata.
    ///   - mandatory: ask the broker to return the message when no queue matches.
    public func publish<Body: ContiguousBytes>(exchange: String = "", routingKey: String, body: Body,
                                               properties: AMQPMessageProperties = AMQPMessageProperties(),
                                               mandatory: Bool = false) throws {
        let sent = try send(exchange: exchange, routingKey: routingKey, body: body, properties: properties,
                            mandatory: mandatory)
        if confirmsEnabled {
            try waitForConfirm(sent)
        } else {
            // Nobody waits for the broker: read what it sent so far, so that refusals surface
            // and unread frames do not pile up.
            try keepAlive()
        }
    }

    /// A message sent in confirm mode whose confirm has not been awaited yet.
    public struct PendingConfirm: Sendable {
        let sequence: UInt64
        let target: String
    }

    /// Publishes one message in confirm mode without waiting for its confirm, so the caller can work
    /// meanwhile; ``waitForConfirm(_:)`` then blocks until the broker acknowledges it and throws as
    /// ``publish(exchange:routingKey:body:properties:mandatory:)`` would. Wait for each message before
    /// publishing the next on this connection: a `basic.return` names no message, so only one may
    /// be outstanding for a return to be attributed.
    ///
    /// - Precondition: ``enablePublisherConfirms()`` was called.
    /// - Throws: ``AMQPError``.
    public func publishAwaitingConfirm<Body: ContiguousBytes>(
        exchange: String = "", routingKey: String, body: Body,
        properties: AMQPMessageProperties = AMQPMessageProperties(), mandatory: Bool = false
    ) throws -> PendingConfirm {
        precondition(confirmsEnabled, "publishAwaitingConfirm needs enablePublisherConfirms() first")
        return try send(exchange: exchange, routingKey: routingKey, body: body, properties: properties,
                        mandatory: mandatory)
    }

    /// Sends one message; in confirm mode it is numbered for ``waitForConfirm(_:)``.
    private func send<Body: ContiguousBytes>(exchange: String, routingKey: String, body: Body,
                                             properties: AMQPMessageProperties, mandatory: Bool) throws -> PendingConfirm {
        let target = exchange.isEmpty ? "the default exchange with routing key '\(routingKey)'"
                                      : "exchange '\(exchange)' with routing key '\(routingKey)'"
        let operation = "basic.publish to \(target)"
        let size = body.withUnsafeBytes { $0.count }
        guard size <= maxBodyBytes else {
            throw AMQPError(.bodyTooLarge, "cannot publish \(size) bytes to \(target): above the limit of "
                            + "\(maxBodyBytes) bytes")
        }
        let (state, channel) = try liveChannel(during: operation)
        amqp_maybe_release_buffers(state)
        let status = withCArena { arena in
            var encoded = arena.properties(properties)
            return body.withUnsafeBytes { raw in
                // rabbitmq-c only reads the body; its struct has no const variant.
                amqp_basic_publish(state, channel, arena.bytes(exchange), arena.bytes(routingKey), mandatory ? 1 : 0,
                                   0, &encoded, amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress)))
            }
        }
        try check(status: status, during: operation)
        if confirmsEnabled { publishSequence += 1 }
        return PendingConfirm(sequence: publishSequence, target: target)
    }

    /// Reads events until the broker acks or nacks `pending`'s message, within ``timeout``.
    ///
    /// - Throws: ``AMQPError``, as ``publish(exchange:routingKey:body:properties:mandatory:)`` does.
    public func waitForConfirm(_ pending: PendingConfirm) throws {
        let (sequence, target) = (pending.sequence, pending.target)
        let operation = "the wait for the broker to confirm a message to \(target)"
        // The connection, not a channel: a channel closed meanwhile must fail the wait, not be reopened
        // to wait for a confirm that can never come on it.
        let state = try liveState(during: operation)
        let deadline = ContinuousClock.now + timeout
        var returned: (code: Int, text: String)?
        // Confirms of messages that timed out earlier may still arrive: they name lower tags.
        func isFor(_ tag: UInt64, multiple: Bool) -> Bool { tag == sequence || (multiple && tag > sequence) }
        while let event = try nextEvent(state, until: deadline, during: operation) {
            switch event {
            case .ack(let tag, let multiple) where isFor(tag, multiple: multiple):
                guard let returned else { return }
                throw AMQPError(.unroutable, "message to \(target) was returned as unroutable: "
                                + "\(returned.code) \(returned.text)", replyCode: returned.code)
            case .nack(let tag, let multiple) where isFor(tag, multiple: multiple):
                throw AMQPError(.nacked, "the broker refused (basic.nack) the message to \(target); a queue may "
                                + "be full with x-overflow=reject-publish")
            case .returned(let code, let text):
                returned = (code, text) // RabbitMQ sends basic.return before the ack of the same message
            default:
                record(event, during: operation)
            }
        }
        var message = "timed out after \(timeout.shortDescription): no confirm from the broker for the message to "
            + target
        if let blockedReason { message += "; the broker blocks publishers: \(blockedReason)" }
        throw AMQPError(.timeout, message)
    }
}
