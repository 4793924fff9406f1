import CRabbitMQ

/// A message's properties and body, read from the frames that follow basic.deliver or
/// basic.return.
struct AMQPContent {
    var properties: AMQPMessageProperties
    /// The size the content header announced.
    var bodySize: UInt64
    /// The body; nil when it was not kept (over ``AMQPConnection/maxBodyBytes``, or not wanted).
    var body: [UInt8]?
}

// Reading frames one at a time. rabbitmq-c's amqp_consume_message would be shorter, but it
// allocates the whole body as announced by the broker before the caller can look at the size;
// reading the content header ourselves lets us refuse an oversized body before buffering any of it.
extension AMQPConnection {
    /// The next frame, or nil once `deadline` passes. Heartbeats are handled inside rabbitmq-c.
    func nextFrame(_ state: amqp_connection_state_t, until deadline: ContinuousClock.Instant,
                   during operation: String) throws -> amqp_frame_t? {
        var frame = amqp_frame_t()
        var limit = (deadline - ContinuousClock.now).timeval
        let status = amqp_simple_wait_frame_noblock(state, &frame, &limit)
        if status == AMQP_STATUS_TIMEOUT.rawValue {
            lastBrokerContact = .now // the wait sent any heartbeat that was due
            return nil
        }
        try check(status: status, during: operation)
        lastBrokerContact = .now
        return frame
    }

    /// Handles the frames that may arrive at any time: connection.close and channel.close (which
    /// throw), connection.blocked/unblocked, and leftovers of a closed channel.
    ///
    /// - Returns: true when the frame was dealt with; false for a method on the open channel,
    ///   which the caller interprets.
    func handleAsynchronous(_ frame: amqp_frame_t, during operation: String) throws -> Bool {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else {
            if frame.channel != channel { return true }
            throw fail(.protocolViolation, "unexpected content frame (type \(frame.frame_type)) during \(operation)")
        }
        let method = frame.payload.method
        if frame.channel == 0 {
            switch method.id {
            case SECURENETS_CONNECTION_CLOSE_METHOD:
                throw connectionClosed(try decoded(method, as: amqp_connection_close_t.self), during: operation)
            case SECURENETS_CONNECTION_BLOCKED_METHOD:
                let reason = try decoded(method, as: amqp_connection_blocked_t.self).reason.string
                blockedReason = reason
                logger.warning("broker blocks publishers", metadata: ["amqp.reason": "\(reason)"])
            case SECURENETS_CONNECTION_UNBLOCKED_METHOD:
                blockedReason = nil
                logger.info("broker unblocked publishers")
            default:
                logger.debug("ignoring connection method 0x\(String(method.id, radix: 16))")
            }
            return true
        }
        guard frame.channel == channel else { return true } // a channel closed earlier
        if method.id == SECURENETS_CHANNEL_CLOSE_METHOD {
            throw channelClosed(try decoded(method, as: amqp_channel_close_t.self), channel: frame.channel,
                                during: operation)
        }
        return false
    }

    /// A copy of a method's arguments.
    func decoded<Method>(_ method: amqp_method_t, as _: Method.Type) throws -> Method {
        guard let arguments = method.decoded else {
            throw fail(.protocolViolation, "method 0x\(String(method.id, radix: 16)) arrived without its arguments")
        }
        return arguments.assumingMemoryBound(to: Method.self).pointee
    }

    /// Reads the content header and body frames of the message whose method was just read.
    ///
    /// The body is kept only when `keepingBody` and it fits ``maxBodyBytes``; otherwise its
    /// frames are read and dropped one by one, so memory stays bounded by the frame size. Each
    /// frame must arrive within ``timeout`` of the previous one.
    func readContent(_ state: amqp_connection_state_t, channel: amqp_channel_t, keepingBody: Bool,
                     during operation: String) throws -> AMQPContent {
        func nextContentFrame(_ kind: Int32, _ name: String) throws -> amqp_frame_t {
            guard let frame = try nextFrame(state, until: ContinuousClock.now + timeout, during: operation) else {
                throw fail(.timeout, "timed out after \(timeout.shortDescription) waiting for the \(name) of a "
                           + "message during \(operation); connection closed")
            }
            guard frame.frame_type == UInt8(kind), frame.channel == channel else {
                throw fail(.protocolViolation, "expected the \(name) of a message on channel \(channel) during "
                           + "\(operation), got frame type \(frame.frame_type) on channel \(frame.channel)")
            }
            return frame
        }

        let header = try nextContentFrame(AMQP_FRAME_HEADER, "content header")
        let bodySize = header.payload.properties.body_size
        let properties = header.payload.properties.decoded
            .map { $0.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee.decoded }
            ?? AMQPMessageProperties(persistent: false)
        let keep = keepingBody && bodySize <= UInt64(maxBodyBytes)
        var body: [UInt8] = []
        if keep { body.reserveCapacity(Int(bodySize)) }
        var received: UInt64 = 0
        while received < bodySize {
            // The previous frame was copied: let rabbitmq-c reuse its memory, so a large body
            // never holds more than one frame in the library's pools.
            amqp_maybe_release_buffers_on_channel(state, channel)
            let fragment = try nextContentFrame(AMQP_FRAME_BODY, "body").payload.body_fragment
            guard UInt64(fragment.len) <= bodySize - received else {
                throw fail(.protocolViolation, "body frames exceed the announced size of \(bodySize) bytes "
                           + "during \(operation)")
            }
            if keep, fragment.len > 0, let bytes = fragment.bytes {
                body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: fragment.len))
            }
            received += UInt64(fragment.len)
        }
        return AMQPContent(properties: properties, bodySize: bodySize, body: keep ? body : nil)
    }
}
