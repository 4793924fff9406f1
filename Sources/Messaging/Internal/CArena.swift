import CRabbitMQ
import Foundation

/// C memory for one call into rabbitmq-c: every string, table and property struct handed to
/// the library is copied here and lives until the arena is released.
///
/// Why copy: rabbitmq-c keeps raw pointers (`amqp_bytes_t`) to names, arguments and headers until
/// the frame is written. A pointer obtained from a Swift `String` for the duration of a closure
/// is dead once the closure returns; passing one to `amqp_cstring_bytes` outside such a closure
/// made a queue argument garbage and the queue silently became classic. Copying into one
/// rabbitmq-c pool per call makes the lifetime explicit and frees everything at once.
///
/// Use through ``withCArena(_:)``, which keeps the arena alive until the body returns.
final class CArena {
    private let pool: UnsafeMutablePointer<amqp_pool_t>

    init() {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, 4096)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    /// Uninitialized memory for `count` values of `T`, aligned for any C type.
    func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        precondition(count > 0)
        guard let raw = amqp_pool_alloc(pool, MemoryLayout<T>.stride * count) else {
            fatalError("out of memory allocating \(count) × \(T.self) for rabbitmq-c")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// A copy of the bytes, not NUL-terminated (an `amqp_bytes_t` carries its length).
    func bytes<Bytes: Collection>(_ source: Bytes) -> amqp_bytes_t where Bytes.Element == UInt8 {
        let count = source.count
        guard count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        let target = allocate(UInt8.self, count: count)
        _ = UnsafeMutableBufferPointer(start: target, count: count).initialize(from: source)
        return amqp_bytes_t(len: count, bytes: UnsafeMutableRawPointer(target))
    }

    /// A copy of the string's UTF-8 bytes.
    func bytes(_ string: String) -> amqp_bytes_t { bytes(string.utf8) }

    /// A NUL-terminated copy, for the few rabbitmq-c functions that take C strings.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = string.utf8
        let target = allocate(CChar.self, count: utf8.count + 1)
        var index = 0
        for byte in utf8 {
            target[index] = CChar(bitPattern: byte)
            index += 1
        }
        target[index] = 0
        return UnsafePointer(target)
    }

    /// An encoded field table. Keys are sorted so the same table always gives the same bytes.
    func table(_ fields: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !fields.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_table_entry_t.self, count: fields.count)
        for (index, key) in fields.keys.sorted().enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key),
                                                                value: fieldValue(fields[key]!)))
        }
        return amqp_table_t(num_entries: Int32(fields.count), entries: entries)
    }

    func fieldValue(_ value: AMQPFieldValue) -> amqp_field_value_t {
        func field<Payload>(_ kind: amqp_field_value_kind_t,
                            _ member: WritableKeyPath<amqp_field_value_t, Payload>, _ payload: Payload) -> amqp_field_value_t {
            var field = amqp_field_value_t()
            field.kind = UInt8(truncatingIfNeeded: kind.rawValue)
            field[keyPath: member] = payload
            return field
        }
        switch value {
        case .string(let v): return field(AMQP_FIELD_KIND_UTF8, \.value.bytes, bytes(v))
        case .bytes(let v): return field(AMQP_FIELD_KIND_BYTES, \.value.bytes, bytes(v))
        case .bool(let v): return field(AMQP_FIELD_KIND_BOOLEAN, \.value.boolean, v ? 1 : 0)
        case .int8(let v): return field(AMQP_FIELD_KIND_I8, \.value.i8, v)
        case .uint8(let v): return field(AMQP_FIELD_KIND_U8, \.value.u8, v)
        case .int16(let v): return field(AMQP_FIELD_KIND_I16, \.value.i16, v)
        case .uint16(let v): return field(AMQP_FIELD_KIND_U16, \.value.u16, v)
        case .int32(let v): return field(AMQP_FIELD_KIND_I32, \.value.i32, v)
        case .uint32(let v): return field(AMQP_FIELD_KIND_U32, \.value.u32, v)
        case .int64(let v): return field(AMQP_FIELD_KIND_I64, \.value.i64, v)
        case .uint64(let v): return field(AMQP_FIELD_KIND_U64, \.value.u64, v)
        case .float(let v): return field(AMQP_FIELD_KIND_F32, \.value.f32, v)
        case .double(let v): return field(AMQP_FIELD_KIND_F64, \.value.f64, v)
        case .decimal(let scale, let v):
            return field(AMQP_FIELD_KIND_DECIMAL, \.value.decimal, amqp_decimal_t(decimals: scale, value: v))
        case .timestamp(let date): return field(AMQP_FIELD_KIND_TIMESTAMP, \.value.u64, Self.wireTimestamp(date))
        case .table(let v): return field(AMQP_FIELD_KIND_TABLE, \.value.table, table(v))
        case .array(let values): return field(AMQP_FIELD_KIND_ARRAY, \.value.array, array(values))
        case .void: return field(AMQP_FIELD_KIND_VOID, \.value.u64, 0) // no payload on the wire
        }
    }

    func array(_ values: [AMQPFieldValue]) -> amqp_array_t {
        guard !values.isEmpty else { return amqp_array_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_field_value_t.self, count: values.count)
        for (index, element) in values.enumerated() {
            (entries + index).initialize(to: fieldValue(element))
        }
        return amqp_array_t(num_entries: Int32(values.count), entries: entries)
    }

    /// Encoded basic properties; `nil` fields are left out through the flag bits.
    func properties(_ properties: AMQPMessageProperties) -> amqp_basic_properties_t {
        var encoded = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func string(_ value: String?, _ flag: Int32, _ field: WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t>) {
            guard let value else { return }
            flags |= UInt32(flag)
            encoded[keyPath: field] = bytes(value)
        }
        string(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, \.content_type)
        string(properties.contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG, \.content_encoding)
        string(properties.correlationId, AMQP_BASIC_CORRELATION_ID_FLAG, \.correlation_id)
        string(properties.replyTo, AMQP_BASIC_REPLY_TO_FLAG, \.reply_to)
        string(properties.expiration, AMQP_BASIC_EXPIRATION_FLAG, \.expiration)
        string(properties.messageId, AMQP_BASIC_MESSAGE_ID_FLAG, \.message_id)
        string(properties.type, AMQP_BASIC_TYPE_FLAG, \.type)
        string(properties.userId, AMQP_BASIC_USER_ID_FLAG, \.user_id)
        string(properties.appId, AMQP_BASIC_APP_ID_FLAG, \.app_id)
        if !properties.headers.isEmpty {
            flags |= UInt32(AMQP_BASIC_HEADERS_FLAG)
            encoded.headers = table(properties.headers)
        }
        flags |= UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG)
        encoded.delivery_mode = properties.persistent ? 2 : 1
        if let priority = properties.priority {
            flags |= UInt32(AMQP_BASIC_PRIORITY_FLAG)
            encoded.priority = priority
        }
        if let timestamp = properties.timestamp {
            flags |= UInt32(AMQP_BASIC_TIMESTAMP_FLAG)
            encoded.timestamp = Self.wireTimestamp(timestamp)
        }
        encoded._flags = flags
        return encoded
    }

    /// AMQP timestamps are unsigned whole seconds since 1970; earlier dates become 0.
    static func wireTimestamp(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds > 0 else { return 0 }
        return seconds >= Double(UInt64.max) ? UInt64.max : UInt64(seconds)
    }
}

/// Runs `body` with a fresh arena that stays alive until `body` returns, even if the optimizer
/// would otherwise release it after its last visible use.
func withCArena<Result>(_ body: (CArena) throws -> Result) rethrows -> Result {
    let arena = CArena()
    return try withExtendedLifetime(arena) { try body(arena) }
}
