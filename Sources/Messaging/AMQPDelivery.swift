import Foundation

/// A message delivered to a consumer of this connection, with its whole body in memory.
///
/// Deliveries use manual acknowledgement: settle each one with ``AMQPConnection/ack(deliveryTag:multiple:)``,
/// ``AMQPConnection/nack(deliveryTag:requeue:multiple:)`` or ``AMQPConnection/reject(deliveryTag:requeue:)``
/// on the connection that received it. Delivery tags belong to the channel that delivered them:
/// after a ``AMQPError/Code/channelClosed`` error they are void (the broker requeues the messages).
public struct AMQPDelivery: Sendable {
    /// The message body, at most ``AMQPConnection/maxBodyBytes`` long.
    public var body: [UInt8]
    /// Identifies this delivery on its channel, for ack, nack and reject.
    public var deliveryTag: UInt64
    /// True when the broker delivered this message before (to any consumer) and it was not
    /// acknowledged: handle it idempotently.
    public var redelivered: Bool
    /// The exchange the message was published to (empty for the default exchange).
    public var exchange: String
    /// The routing key it was published with.
    public var routingKey: String
    /// The consumer this delivery is for.
    public var consumerTag: String
    /// The message's properties, headers included.
    public var properties: AMQPMessageProperties

    /// The application headers (from ``properties``). A stream delivery carries its offset in
    /// `x-stream-offset`.
    public var headers: [String: AMQPFieldValue] { properties.headers }
    /// The publisher's message id (from ``properties``).
    public var messageId: String? { properties.messageId }
    /// The publisher's timestamp, whole seconds (from ``properties``).
    public var timestamp: Date? { properties.timestamp }
}
