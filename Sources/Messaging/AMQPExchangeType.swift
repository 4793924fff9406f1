/// How an exchange routes messages to the queues bound to it.
public struct AMQPExchangeType: Hashable, Sendable, CustomStringConvertible {
    /// The type name sent to the broker.
    public let name: String

    /// A type by name, for plugin exchange types such as `x-consistent-hash`.
    public init(_ name: String) { self.name = name }

    /// Routes to the queues whose binding key equals the routing key.
    public static let direct = AMQPExchangeType("direct")
    /// Routes to every bound queue.
    public static let fanout = AMQPExchangeType("fanout")
    /// Routes by routing-key patterns (`*` one word, `#` any words).
    public static let topic = AMQPExchangeType("topic")
    /// Routes by header values.
    public static let headers = AMQPExchangeType("headers")

    /// The type name.
    public var description: String { name }
}
