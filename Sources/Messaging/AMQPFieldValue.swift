import Foundation

/// A typed value in an AMQP field table: message headers, queue and consumer arguments.
///
/// The case is the wire type, and the broker keeps it: `.int32(5)` and `.int64(5)` are different
/// values, and a header published as one comes back as the same one. Literals pick a default
/// type: `"quorum"` is `.string`, `5` is `.int64` (AMQP "long", what RabbitMQ expects for
/// `x-delivery-limit`, `x-max-length` and stream offsets), `1.5` is `.double`, `true` is `.bool`.
///
/// ```swift
/// let arguments: [String: AMQPFieldValue] = [
///     "x-queue-type": "quorum",
///     "x-delivery-limit": 5,
/// ]
/// ```
public enum AMQPFieldValue: Hashable, Sendable {
    /// A UTF-8 long string (`S`).
    case string(String)
    /// Raw bytes (byte array, `x`). A long string the broker sends that is not valid UTF-8 is
    /// also decoded as `.bytes`.
    case bytes([UInt8])
    /// `t`
    case bool(Bool)
    /// `b`
    case int8(Int8)
    /// `B`
    case uint8(UInt8)
    /// `s`
    case int16(Int16)
    /// `u`
    case uint16(UInt16)
    /// `I`
    case int32(Int32)
    /// `i`
    case uint32(UInt32)
    /// `l`: the usual integer for RabbitMQ arguments.
    case int64(Int64)
    /// `L`: not part of RabbitMQ's table grammar; the broker may refuse it. Prefer `.int64`.
    case uint64(UInt64)
    /// `f`
    case float(Float)
    /// `d`
    case double(Double)
    /// `D`: `value` × 10^−`scale`.
    case decimal(scale: UInt8, value: UInt32)
    /// `T`: whole seconds since 1970 on the wire; sub-second parts are dropped when encoded.
    case timestamp(Date)
    /// `F`: a nested table.
    case table([String: AMQPFieldValue])
    /// `A`: an array of values of any types.
    case array([AMQPFieldValue])
    /// `V`: no value.
    case void
}

extension AMQPFieldValue: ExpressibleByStringLiteral {
    /// A `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AMQPFieldValue: ExpressibleByIntegerLiteral {
    /// An `.int64`, RabbitMQ's usual integer type.
    public init(integerLiteral value: Int64) { self = .int64(value) }
}

extension AMQPFieldValue: ExpressibleByFloatLiteral {
    /// A `.double`.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension AMQPFieldValue: ExpressibleByBooleanLiteral {
    /// A `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AMQPFieldValue: ExpressibleByArrayLiteral {
    /// An `.array`.
    public init(arrayLiteral elements: AMQPFieldValue...) { self = .array(elements) }
}

extension AMQPFieldValue: ExpressibleByDictionaryLiteral {
    /// A `.table`; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension AMQPFieldValue {
    /// The value if this is a `.string`, else `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of any integer case that fits in an `Int64`, else `nil`.
    public var int64Value: Int64? {
        switch self {
        case .int8(let v): return Int64(v)
        case .uint8(let v): return Int64(v)
        case .int16(let v): return Int64(v)
        case .uint16(let v): return Int64(v)
        case .int32(let v): return Int64(v)
        case .uint32(let v): return Int64(v)
        case .int64(let v): return v
        case .uint64(let v): return Int64(exactly: v)
        default: return nil
        }
    }
}
