import Foundation

/// The basic properties of a message: headers and the standard AMQP 0-9-1 metadata.
///
/// Every field is optional on the wire; `nil` fields are not sent. A property the broker sends
/// that is not UTF-8 is decoded with replacement characters.
public struct AMQPMessageProperties: Hashable, Sendable {
    /// Application headers.
    public var headers: [String: AMQPFieldValue]
    /// Delivery mode 2 (the broker writes the message to disk) when true, 1 when false. Quorum
    /// queues and streams store every message; classic queues lose non-persistent ones on restart.
    public var persistent: Bool
    /// MIME type of the body, e.g. `application/octet-stream`.
    public var contentType: String?
    /// Encoding of the body, e.g. `gzip`.
    public var contentEncoding: String?
    /// Application message identifier, for idempotent handling and tracing.
    public var messageId: String?
    /// Identifier that relates a reply to its request.
    public var correlationId: String?
    /// Queue the consumer should send its reply to.
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a decimal string (AMQP's type for it).
    public var expiration: String?
    /// When the message was created; whole seconds on the wire.
    public var timestamp: Date?
    /// Application message type name.
    public var type: String?
    /// Publishing user; RabbitMQ refuses a message whose user id is not the connection's user.
    public var userId: String?
    /// Publishing application.
    public var appId: String?
    /// Priority 0–9 (honoured only by classic queues declared with `x-max-priority`).
    public var priority: UInt8?

    /// Properties with the given fields; messages are persistent unless told otherwise.
    public init(headers: [String: AMQPFieldValue] = [:], persistent: Bool = true,
                contentType: String? = nil, contentEncoding: String? = nil,
                messageId: String? = nil, correlationId: String? = nil, replyTo: String? = nil,
                expiration: String? = nil, timestamp: Date? = nil, type: String? = nil,
                userId: String? = nil, appId: String? = nil, priority: UInt8? = nil) {
        self.headers = headers
        self.persistent = persistent
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.messageId = messageId
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.expiration = expiration
        self.timestamp = timestamp
        self.type = type
        self.userId = userId
        self.appId = appId
        self.priority = priority
    }
}
