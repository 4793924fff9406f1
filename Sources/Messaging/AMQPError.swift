/// An error from the AMQP client: what failed, against which broker object, and what the broker
/// said.
///
/// Switch on ``code`` to react; show ``description`` to people. Codes are static values on a
/// struct (not enum cases) so new ones can be added without breaking callers.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidURL, connectFailed, loginRefused, channelClosed, connectionClosed
            case connectionLost, notOpen, messageTooLarge, bodyTooLarge, timeout, nacked
            case unroutable, consumerCancelled, protocolViolation, tlsConfigurationInvalid, tlsHandshakeFailed
        }

        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The URL does not parse.
        public static let invalidURL = Code(.invalidURL)
        /// No TCP connection: host unknown, connection refused, unreachable or timed out.
        public static let connectFailed = Code(.connectFailed)
        /// The broker refused the user name and password, or the user's access to the vhost.
        public static let loginRefused = Code(.loginRefused)
        /// The broker closed the channel (a soft error such as `406 PRECONDITION_FAILED` or
        /// `404 NOT_FOUND`). The connection stays usable: the next operation opens a new channel,
        /// but consumers and unacknowledged deliveries of the old channel are gone (the broker
        /// requeues the deliveries).
        public static let channelClosed = Code(.channelClosed)
        /// The broker closed the whole connection (a hard error, or `320 CONNECTION_FORCED` when it
        /// shuts down). The connection is unusable; open a new one.
        public static let connectionClosed = Code(.connectionClosed)
        /// The socket failed, the broker stopped answering heartbeats, or it sent something this
        /// client cannot parse. The connection is unusable; open a new one.
        public static let connectionLost = Code(.connectionLost)
        /// The connection was closed earlier (by ``AMQPConnection/close()`` or after a fatal error).
        public static let notOpen = Code(.notOpen)
        /// The broker refused a published message larger than its `max_message_size`.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// A body exceeds this client's own limit (``AMQPConnection/maxBodyBytes``): a publish
        /// was not sent, or a delivery was rejected without being buffered.
        public static let bodyTooLarge = Code(.bodyTooLarge)
        /// The broker did not answer in time.
        public static let timeout = Code(.timeout)
        /// The broker refused (basic.nack) a published message.
        public static let nacked = Code(.nacked)
        /// A `mandatory` message matched no queue and was returned (basic.return).
        public static let unroutable = Code(.unroutable)
        /// The broker cancelled a consumer (its queue was deleted or became unavailable).
        public static let consumerCancelled = Code(.consumerCancelled)
        /// The broker sent a frame that makes no sense at this point, or the port answered a plain
        /// client in TLS (permanent: the URL needs `amqps://`).
        public static let protocolViolation = Code(.protocolViolation)
        /// An `amqps://` URL's files or settings cannot be used: a missing or unreadable file, a
        /// key that others may read or that needs a passphrase, a key that is not the
        /// certificate's.
        public static let tlsConfigurationInvalid = Code(.tlsConfigurationInvalid)
        /// The TLS handshake was refused: the broker's certificate did not verify (unknown CA,
        /// name mismatch, expired), the broker refused ours, or the port does not speak TLS.
        public static let tlsHandshakeFailed = Code(.tlsHandshakeFailed)

        /// The code's name, e.g. `channelClosed`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The AMQP reply code the broker sent when it closed a channel or the connection
    /// (`406` for PRECONDITION_FAILED, `403` for ACCESS_REFUSED, ...), or the reply code of a
    /// returned message; `nil` when the broker said nothing.
    public let replyCode: Int?
    /// A complete sentence for people: what failed, on what, and why.
    public let description: String

    /// Whether the connection that threw this error can no longer be used: true after a
    /// connection-level failure (and after a timed-out broker operation, which leaves the
    /// connection's state unknown); false after channel errors, refused messages and a timed-out
    /// wait for a publisher confirm.
    public let closesConnection: Bool

    /// What the failure means for retrying, where the code alone does not say (see ``Cause``).
    let cause: Cause

    /// Finer causes that decide whether retrying can help.
    enum Cause: Sendable {
        case unspecified
        /// Nothing listens on the broker's port (ECONNREFUSED).
        case connectionRefused
        /// The broker's host name does not resolve.
        case hostUnresolvable
        /// The vhost exists but the broker reports it down (recovering after a restart): retried.
        case vhostDown
        /// A plain client reached a port that speaks only TLS.
        case tlsPort
    }

    init(_ code: Code, _ description: String, replyCode: Int? = nil, closesConnection: Bool? = nil,
         cause: Cause = .unspecified) {
        self.code = code
        self.description = description
        self.replyCode = replyCode
        self.closesConnection = closesConnection ?? code.closesConnectionByDefault
        self.cause = cause
    }

    /// The same error with another description (to add context such as how long was waited).
    func described(_ description: String) -> AMQPError {
        AMQPError(code, description, replyCode: replyCode, closesConnection: closesConnection, cause: cause)
    }

    /// Whether trying again later (with a new connection where this one is unusable) may
    /// succeed: the broker was unreachable, went away, timed out, or closed the connection
    /// because it is shutting down (`320 CONNECTION_FORCED`). Wrong credentials, bad arguments and
    /// refused messages are not transient.
    public var isTransient: Bool {
        switch code.base {
        case .connectFailed, .connectionLost, .timeout: return true
        case .connectionClosed: return replyCode == 320
        default: return false
        }
    }

    /// Whether waiting cannot fix this error, so a process should stop and say what to fix rather
    /// than retry.
    ///
    /// Always permanent: an invalid URL, unusable TLS files, a refused TLS handshake (a certificate
    /// that does not verify does not start to verify later), a plain client on a TLS port, a refused login (wrong password or
    /// unknown user, a vhost that does not exist or that the user may not use), and
    /// `403 ACCESS_REFUSED` on any operation
    /// (the user lacks a configure, write or read permission). A refused connection or an
    /// unresolvable host is permanent only before the process ever reached the broker — at start-up
    /// it almost always means a wrong URL or a broker not started — and passing afterwards, when
    /// it means the broker (or its DNS name) is restarting. Everything else (lost connections,
    /// timeouts, `404 NOT_FOUND` for a queue not declared yet, a vhost the broker reports as down
    /// while it recovers, ...) is passing.
    ///
    /// - Parameter connectedBefore: whether this process had opened a broker connection before.
    public func isPermanent(connectedBefore: Bool) -> Bool {
        switch code.base {
        case .invalidURL, .tlsConfigurationInvalid, .tlsHandshakeFailed: return true
        case .loginRefused: return cause != .vhostDown
        case .connectFailed: return !connectedBefore && cause != .unspecified
        case .channelClosed, .connectionClosed: return replyCode == 403
        case .protocolViolation: return cause == .tlsPort
        default: return false
        }
    }

    /// Whether the broker closed the channel because an exchange or queue does not exist
    /// (`404 NOT_FOUND`), e.g. a consumer started before anyone declared its queue.
    public var isNotFound: Bool { code.base == .channelClosed && replyCode == 404 }
}

extension AMQPError.Code {
    fileprivate var closesConnectionByDefault: Bool {
        switch base {
        case .connectFailed, .loginRefused, .connectionClosed, .connectionLost, .notOpen,
             .protocolViolation, .tlsConfigurationInvalid, .tlsHandshakeFailed:
            return true
        default: return false
        }
    }
}
