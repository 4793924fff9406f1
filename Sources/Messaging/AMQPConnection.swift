import CRabbitMQ
import Logging

/// A blocking AMQP 0-9-1 connection to RabbitMQ with one channel, over rabbitmq-c.
///
/// Every method blocks the calling thread until the broker answers or ``timeout`` passes.
/// Topology lives in `AMQPConnection+Topology.swift`, publishing in `+Publishing`, consuming in
/// `+Consuming`.
///
/// **One connection per thread, and separate connections for publishing and consuming.**
/// rabbitmq-c connections are not thread-safe. And one socket carries everything: a publisher
/// waiting for its confirm reads the deliveries meant for a consumer on the same connection
/// (rabbitmq-c's own confirm wait swallows them; this client sets them aside, holding up to the
/// prefetch count in memory), and a consumer's flow control and deliveries delay the confirms.
/// A worker that consumes jobs and publishes results therefore holds two connections.
/// The type is `@unchecked Sendable` only so that a connection can be created on one thread and
/// handed to the thread (or task) that owns it; it must never be used from two at once.
///
/// **Channel errors** (a soft error such as `406 PRECONDITION_FAILED`) throw
/// ``AMQPError/Code/channelClosed`` and leave the connection usable: the next operation opens a
/// fresh channel, restoring the prefetch and publisher-confirm settings, but not consumers.
/// **Connection errors** throw an error whose ``AMQPError/closesConnection`` is true; every later
/// call throws ``AMQPError/Code/notOpen``. Open a new connection (see ``BrokerRetry``).
///
/// **Heartbeats** are sent and checked only while the connection waits for the broker (in
/// ``nextDelivery(timeout:)``, a confirm wait, ``keepAlive()`` or any other call). RabbitMQ drops
/// a connection that stays silent for two heartbeats: call ``keepAlive()`` on idle connections,
/// and choose a heartbeat longer than half the longest computation between two calls (or
/// `.zero` to rely on TCP keepalive only).
public final class AMQPConnection: @unchecked Sendable {
    /// 16 MiB: RabbitMQ 4.x's default `max_message_size`, and the largest body SecureNets sends.
    public static let defaultMaxBodyBytes = 16 * 1024 * 1024

    /// The broker and user (``AMQPURL/description`` hides the password).
    public let url: AMQPURL
    /// The name the broker shows for this connection (`rabbitmqctl list_connections name`).
    public let connectionName: String
    /// The largest message body this connection publishes or accepts. A larger delivery is
    /// refused from its header frame, before its body is read into memory.
    public let maxBodyBytes: Int
    /// How long any single exchange with the broker may take: connecting, the handshake, each
    /// synchronous method, a publisher confirm, and the rest of a delivery once it has begun.
    public let timeout: Duration

    let logger: Logger
    /// nil once closed; every entry point checks it first.
    var state: amqp_connection_state_t?
    /// Why ``state`` is nil, for ``AMQPError/Code/notOpen`` messages.
    var closedReason = "it was never opened"
    /// The open channel, or 0 when the broker closed it (the next operation opens another).
    var channel: amqp_channel_t = 0
    /// Why the last channel closed, for errors from operations that cannot reopen one.
    var channelClosedReason = ""
    private var lastChannelNumber: amqp_channel_t = 0
    /// Settings re-applied to each new channel.
    var prefetchCount: UInt16?
    var confirmsEnabled = false
    /// The delivery tag the broker gives the next published message (confirm mode only).
    var publishSequence: UInt64 = 0
    /// Set while the broker blocks publishers (a resource alarm), for timeout messages.
    var blockedReason: String?
    /// Deliveries (or why one failed) that arrived while the connection waited for something
    /// else, in arrival order; nextDelivery hands them out first.
    var pendingDeliveries: [Result<AMQPDelivery, AMQPError>] = []
    /// When rabbitmq-c last exchanged frames with the broker (which includes heartbeats).
    var lastBrokerContact = ContinuousClock.now
    /// How long the connection was silent before the current call, to explain lost idle
    /// connections.
    private var silenceBeforeCall = Duration.zero
    /// The TLS socket of an `amqps` connection, kept as long as ``state`` (whose SSL context points
    /// into it) for what OpenSSL says when an operation fails.
    private var tlsSocket: TLSSocket?

    /// Connects, logs in and opens a channel.
    ///
    /// - Parameters:
    ///   - url: broker and credentials.
    ///   - connectionName: shown by the broker's management tools; name the process and role,
    ///     e.g. `securenets-worker 3 (jobs)`.
    ///   - heartbeat: the interval the client proposes; the broker may lower it. `.zero` disables
    ///     heartbeats. See the type's discussion for what it means for long computations.
    ///   - timeout: the bound for each exchange with the broker (see ``timeout``).
    ///   - connectTimeout: the bound for the TCP connect and for the login handshake each;
    ///     nil uses `timeout`. ``BrokerAttempt`` shortens it to what is left before a deadline.
    ///   - maxBodyBytes: see ``maxBodyBytes``.
    ///   - logger: receives connection lifecycle events at debug level and broker warnings.
    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/connectFailed`` (e.g. "broker at
    ///   127.0.0.1:5672 refused the connection: ..."), ``AMQPError/Code/loginRefused`` (wrong password,
    ///   unknown vhost or no access to it), ``AMQPError/Code/timeout`` or
    ///   ``AMQPError/Code/connectionLost`` (the peer is not an AMQP 0-9-1 broker); for `amqps`,
    ///   ``AMQPError/Code/tlsConfigurationInvalid`` (a file named in the URL cannot be used) and
    ///   ``AMQPError/Code/tlsHandshakeFailed`` (unknown CA, name mismatch, expired certificate,
    ///   our certificate refused, a port that does not speak TLS).
    public init(url: AMQPURL, connectionName: String, heartbeat: Duration = .seconds(60),
                timeout: Duration = .seconds(30), connectTimeout: Duration? = nil,
                maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes, logger: Logger) throws {
        self.url = url
        self.connectionName = connectionName
        self.maxBodyBytes = maxBodyBytes
        self.timeout = timeout
        var logger = logger
        logger[metadataKey: "amqp.connection"] = "\(connectionName)"
        self.logger = logger

        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectFailed, "cannot connect to \(url.host):\(url.port): out of memory")
        }
        do {
            let connectTimeout = connectTimeout ?? timeout
            if let tls = url.tls {
                let socket = try TLSSocket(state: state, host: url.host, port: url.port, options: tls, logger: logger)
                tlsSocket = socket
                try socket.open(timeout: connectTimeout)
            } else {
                let fd = try openTCPConnection(host: url.host, port: url.port, timeout: connectTimeout)
                guard let socket = amqp_tcp_socket_new(state) else {
                    closeDescriptor(fd)
                    throw AMQPError(.connectFailed, "cannot connect to \(url.host):\(url.port): out of memory")
                }
                amqp_tcp_socket_set_sockfd(socket, fd) // the connection owns and closes the descriptor
            }
            var handshakeLimit = connectTimeout.timeval
            amqp_set_handshake_timeout(state, &handshakeLimit)
            var limit = timeout.timeval
            amqp_set_rpc_timeout(state, &limit)
            try login(state, heartbeat: heartbeat, timeout: connectTimeout)
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
        self.state = state
        closedReason = ""
        try openChannel(during: "channel.open")
        logger.debug("AMQP connection open", metadata: ["amqp.url": "\(url)"])
    }

    deinit { close() }

    /// Whether the connection can still be used.
    public var isOpen: Bool { state != nil }

    /// Closes the channel and the connection politely (the broker requeues unacknowledged
    /// deliveries). Never throws: a broker that does not answer within ``timeout`` is simply
    /// disconnected. Calling it again does nothing. Also called by `deinit`.
    public func close() {
        guard let state else { return }
        if channel != 0 {
            _ = amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
        }
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
        self.state = nil
        channel = 0
        closedReason = "it was closed by the application"
        logger.debug("AMQP connection closed")
    }

    private func login(_ state: amqp_connection_state_t, heartbeat: Duration, timeout: Duration) throws {
        let reply = withCArena { arena -> amqp_rpc_reply_t in
            // consumer_cancel_notify: without it RabbitMQ does not tell a consumer that its queue
            // was deleted, and nextDelivery would wait forever. connection.blocked: learn about
            // resource alarms instead of seeing unexplained confirm timeouts.
            var properties = arena.table([
                "connection_name": .string(connectionName),
                "capabilities": .table(["consumer_cancel_notify": true, "connection.blocked": true]),
            ])
            return securenets_amqp_login_plain_with_properties(
                state, arena.cString(url.vhost), Int32(AMQP_DEFAULT_MAX_CHANNELS),
                Int32(AMQP_DEFAULT_FRAME_SIZE), Int32(clamping: max(0, Int(heartbeat.seconds.rounded(.up)))),
                &properties, arena.cString(url.user), arena.cString(url.password))
        }
        let endpoint = "\(url.host):\(url.port)"
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == SECURENETS_CONNECTION_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let code = Int(close.reply_code)
            let broker = "\(code) \(close.reply_text.string)"
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, SECURENETS_CONNECTION_CLOSE_OK_METHOD, &ok)
            switch code {
            case 403:
                throw AMQPError(.loginRefused,
                                "broker at \(endpoint) refused user '\(url.user)' (wrong password or unknown user; "
                                + "vhost '\(url.vhost)'; broker: \(broker))", replyCode: code)
            case 530 where broker.contains("not found"):
                throw AMQPError(.loginRefused,
                                "vhost '\(url.vhost)' does not exist on the broker at \(endpoint): fix the URL's path "
                                + "or create it (rabbitmqctl add_vhost) (broker: \(broker))", replyCode: code)
            case 530 where broker.contains(" is down"):
                throw AMQPError(.loginRefused, "vhost '\(url.vhost)' is down on the broker at \(endpoint) (recovering after "
                                + "a restart?) (broker: \(broker))", replyCode: code, cause: .vhostDown)
            case 530:
                throw AMQPError(.loginRefused,
                                "user '\(url.user)' may not use vhost '\(url.vhost)' on the broker at \(endpoint) "
                                + "(rabbitmqctl set_permissions) (broker: \(broker))", replyCode: code)
            default:
                throw AMQPError(.connectionClosed, "\(endpoint) closed the connection during login: \(broker)",
                                replyCode: code)
            }
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            throw AMQPError(.timeout, "timed out after \(timeout.shortDescription) in the AMQP handshake "
                            + "with \(endpoint): is it an AMQP 0-9-1 port of a running broker?")
        default:
            if let tlsSocket {
                if let refusal = tlsSocket.failure(during: "the AMQP handshake")
                    ?? tlsSocket.probeRefusal(timeout: min(timeout, .seconds(2))) {
                    throw refusal
                }
                throw AMQPError(.connectionLost, "the broker at \(endpoint) closed the connection right after the TLS "
                                + "handshake (\(Self.libraryErrorText(reply))); if it requires client certificates, it "
                                + "may have refused ours (its log says why)")
            }
            if answersWithTLSAlert(host: url.host, port: url.port, timeout: min(timeout, .seconds(2))) {
                throw AMQPError(.protocolViolation, "\(endpoint) speaks TLS, not plain AMQP: use an amqps:// URL for "
                                + "this port (or the broker's plain port, 5672 by default, with amqp://)", cause: .tlsPort)
            }
            throw AMQPError(.connectionLost, "AMQP handshake with \(endpoint) failed: "
                            + "\(Self.libraryErrorText(reply)) (is it an AMQP 0-9-1 port?)")
        }
    }

    // MARK: - Internals shared by the operation files

    /// The live state, or ``AMQPError/Code/notOpen`` naming the operation.
    func liveState(during operation: String) throws -> amqp_connection_state_t {
        silenceBeforeCall = ContinuousClock.now - lastBrokerContact
        guard let state else {
            throw AMQPError(.notOpen, "\(operation) failed: connection '\(connectionName)' is not open "
                            + "(\(closedReason))")
        }
        return state
    }

    /// The open channel, opening a fresh one first if the broker closed the last.
    func liveChannel(during operation: String) throws -> (amqp_connection_state_t, amqp_channel_t) {
        let state = try liveState(during: operation)
        if channel == 0 { try openChannel(during: operation) }
        return (state, channel)
    }

    private func openChannel(during operation: String) throws {
        let state = try liveState(during: operation)
        // Channels are numbered up from 1; a closed channel's number may be reused after a wrap.
        lastChannelNumber = lastChannelNumber >= amqp_channel_t(AMQP_DEFAULT_MAX_CHANNELS) ? 1 : lastChannelNumber + 1
        let number = lastChannelNumber
        _ = amqp_channel_open(state, number)
        try checkReply(amqp_get_rpc_reply(state), channel: number, during: "channel.open")
        channel = number
        publishSequence = 0
        if let prefetchCount {
            _ = amqp_basic_qos(state, number, 0, prefetchCount, 0)
            try checkReply(amqp_get_rpc_reply(state), channel: number, during: "basic.qos")
        }
        if confirmsEnabled {
            _ = amqp_confirm_select(state, number)
            try checkReply(amqp_get_rpc_reply(state), channel: number, during: "confirm.select")
        }
    }

    /// Runs one synchronous method (`amqp_queue_declare` and the like) on the channel and returns
    /// a copy of its reply.
    func rpc<Reply>(_ operation: String,
                    _ call: (amqp_connection_state_t, amqp_channel_t) -> UnsafeMutablePointer<Reply>?) throws -> Reply {
        let (state, channel) = try liveChannel(during: operation)
        amqp_maybe_release_buffers(state) // replies of earlier calls were copied out already
        let reply = call(state, channel)
        try checkReply(amqp_get_rpc_reply(state), channel: channel, during: operation)
        lastBrokerContact = .now
        guard let reply else {
            throw fail(.protocolViolation, "rabbitmq-c returned no reply to \(operation)")
        }
        return reply.pointee
    }

    /// Turns a failed RPC reply into the matching error, answering the broker's close first.
    func checkReply(_ reply: amqp_rpc_reply_t, channel: amqp_channel_t, during operation: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == SECURENETS_CHANNEL_CLOSE_METHOD:
            throw channelClosed(reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee,
                                channel: channel, during: operation)
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == SECURENETS_CONNECTION_CLOSE_METHOD:
            throw connectionClosed(reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee,
                                   during: operation)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw libraryFailure(reply.library_error, during: operation)
        default:
            throw fail(.protocolViolation, "unexpected reply to \(operation) (type \(reply.reply_type.rawValue), "
                       + "method 0x\(String(reply.reply.id, radix: 16)))")
        }
    }

    /// Turns a failed rabbitmq-c status (a negative `int`) into an error; the connection is
    /// unusable after any of them (rabbitmq-c leaves it in an undefined state).
    func check(status: Int32, during operation: String) throws {
        guard status < 0 else { return }
        throw libraryFailure(status, during: operation)
    }

    func libraryFailure(_ status: Int32, during operation: String) -> AMQPError {
        if status == AMQP_STATUS_TIMEOUT.rawValue {
            return fail(.timeout, "timed out after \(timeout.shortDescription) waiting for the broker "
                        + "during \(operation); connection closed")
        }
        var text = String(cString: amqp_error_string2(status))
        if status == AMQP_STATUS_SSL_ERROR.rawValue, let detail = tlsSocket?.pendingErrorText() {
            text += " (OpenSSL: \(detail))"
        }
        let heartbeat = state.map { Int(amqp_get_heartbeat($0)) } ?? 0
        if status == AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue {
            text += " (the broker sent nothing for two \(heartbeat) s heartbeat intervals: it is hung, "
                + "overloaded or unreachable)"
        } else if heartbeat > 0, silenceBeforeCall > .seconds(2 * heartbeat) {
            // The usual cause of losing a connection that worked before: it sat idle (or its
            // thread computed) past two heartbeats, and the broker dropped it.
            text += " (the connection was idle for \(silenceBeforeCall.shortDescription) with a \(heartbeat) s "
                + "heartbeat: RabbitMQ drops connections that miss heartbeats; call keepAlive() while idle)"
        }
        return fail(.connectionLost, "connection to \(url.host):\(url.port) lost during \(operation): \(text)")
    }

    /// Acknowledges the broker's channel.close and returns the error it stands for. The next
    /// operation opens a new channel.
    func channelClosed(_ close: amqp_channel_close_t, channel: amqp_channel_t,
                       during operation: String) -> AMQPError {
        let code = Int(close.reply_code)
        let text = close.reply_text.string
        if let state {
            var ok = amqp_channel_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, channel, SECURENETS_CHANNEL_CLOSE_OK_METHOD, &ok)
        }
        if channel == self.channel {
            self.channel = 0
            pendingDeliveries.removeAll() // their delivery tags died with the channel
        }
        channelClosedReason = "\(code) \(text)"
        logger.debug("broker closed the channel", metadata: ["amqp.reply": "\(code) \(text)"])
        // RabbitMQ's only way to refuse an oversized message is a channel error with this text.
        if text.contains("larger than configured max size") {
            return AMQPError(.messageTooLarge, "message larger than the broker's limit "
                             + "(\(operation); broker: \(code) \(text))", replyCode: code)
        }
        if code == 403 {
            return AMQPError(.channelClosed, accessRefusedDescription(user: url.user, operation: operation,
                                                                      brokerText: "\(code) \(text)"), replyCode: code)
        }
        return AMQPError(.channelClosed, "channel closed by the broker during \(operation): \(code) \(text)",
                         replyCode: code)
    }

    /// Acknowledges the broker's connection.close, drops the connection and returns the error.
    func connectionClosed(_ close: amqp_connection_close_t, during operation: String) -> AMQPError {
        let code = Int(close.reply_code)
        let text = close.reply_text.string
        if let state {
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, SECURENETS_CONNECTION_CLOSE_OK_METHOD, &ok)
        }
        return fail(.connectionClosed, "connection closed by the broker during \(operation): \(code) \(text)",
                    replyCode: code)
    }

    /// Drops the connection without a closing handshake (it is broken or in an unknown state)
    /// and returns the error that explains why.
    func fail(_ code: AMQPError.Code, _ message: String, replyCode: Int? = nil) -> AMQPError {
        if let state {
            amqp_destroy_connection(state)
            self.state = nil
            channel = 0
        }
        closedReason = message
        logger.debug("AMQP connection dropped", metadata: ["amqp.reason": "\(message)"])
        return AMQPError(code, message, replyCode: replyCode, closesConnection: true)
    }

    private static func libraryErrorText(_ reply: amqp_rpc_reply_t) -> String {
        guard reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION else { return "unexpected reply" }
        return String(cString: amqp_error_string2(reply.library_error))
    }
}
