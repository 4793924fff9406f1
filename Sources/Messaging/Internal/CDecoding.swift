import CRabbitMQ
import Foundation

// Copies of what rabbitmq-c decoded. Its decoded frames point into connection-owned pools that are
// recycled by the next read, so every value is copied into Swift before anything else is read.

extension amqp_bytes_t {
    /// A copy of the bytes.
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    /// The bytes as UTF-8, with replacement characters for invalid sequences.
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }
}

extension amqp_table_t {
    /// The table as Swift values; a repeated key keeps its last value.
    var decoded: [String: AMQPFieldValue] {
        guard num_entries > 0, let entries else { return [:] }
        var result: [String: AMQPFieldValue] = [:]
        result.reserveCapacity(Int(num_entries))
        for index in 0..<Int(num_entries) {
            result[entries[index].key.string] = entries[index].value.decoded
        }
        return result
    }
}

extension amqp_field_value_t {
    var decoded: AMQPFieldValue {
        // rabbitmq-c's decoder refuses unknown kinds (the whole frame fails), so every kind it
        // hands over is one of these; `.void` stands in for anything else.
        switch amqp_field_value_kind_t(rawValue: UInt32(kind)) {
        case AMQP_FIELD_KIND_UTF8:
            let raw = value.bytes.array
            return String(validating: raw, as: UTF8.self).map(AMQPFieldValue.string) ?? .bytes(raw)
        case AMQP_FIELD_KIND_BYTES: return .bytes(value.bytes.array)
        case AMQP_FIELD_KIND_BOOLEAN: return .bool(value.boolean != 0)
        case AMQP_FIELD_KIND_I8: return .int8(value.i8)
        case AMQP_FIELD_KIND_U8: return .uint8(value.u8)
        case AMQP_FIELD_KIND_I16: return .int16(value.i16)
        case AMQP_FIELD_KIND_U16: return .uint16(value.u16)
        case AMQP_FIELD_KIND_I32: return .int32(value.i32)
        case AMQP_FIELD_KIND_U32: return .uint32(value.u32)
        case AMQP_FIELD_KIND_I64: return .int64(value.i64)
        case AMQP_FIELD_KIND_U64: return .uint64(value.u64)
        case AMQP_FIELD_KIND_F32: return .float(value.f32)
        case AMQP_FIELD_KIND_F64: return .double(value.f64)
        case AMQP_FIELD_KIND_DECIMAL:
            return .decimal(scale: value.decimal.decimals, value: value.decimal.value)
        case AMQP_FIELD_KIND_TIMESTAMP:
            return .timestamp(Date(timeIntervalSince1970: TimeInterval(value.u64)))
        case AMQP_FIELD_KIND_TABLE: return .table(value.table.decoded)
        case AMQP_FIELD_KIND_ARRAY:
            guard value.array.num_entries > 0, let entries = value.array.entries else { return .array([]) }
            return .array((0..<Int(value.array.num_entries)).map { entries[$0].decoded })
        default: return .void
        }
    }
}

extension amqp_basic_properties_t {
    /// The properties whose flag bits are set.
    var decoded: AMQPMessageProperties {
        func has(_ flag: Int32) -> Bool { _flags & UInt32(flag) != 0 }
        func string(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? { has(flag) ? bytes.string : nil }
        return AMQPMessageProperties(
            headers: has(AMQP_BASIC_HEADERS_FLAG) ? headers.decoded : [:],
            persistent: has(AMQP_BASIC_DELIVERY_MODE_FLAG) && delivery_mode == 2,
            contentType: string(AMQP_BASIC_CONTENT_TYPE_FLAG, content_type),
            contentEncoding: string(AMQP_BASIC_CONTENT_ENCODING_FLAG, content_encoding),
            messageId: string(AMQP_BASIC_MESSAGE_ID_FLAG, message_id),
            correlationId: string(AMQP_BASIC_CORRELATION_ID_FLAG, correlation_id),
            replyTo: string(AMQP_BASIC_REPLY_TO_FLAG, reply_to),
            expiration: string(AMQP_BASIC_EXPIRATION_FLAG, expiration),
            timestamp: has(AMQP_BASIC_TIMESTAMP_FLAG)
                ? Date(timeIntervalSince1970: TimeInterval(timestamp)) : nil,
            type: string(AMQP_BASIC_TYPE_FLAG, type),
            userId: string(AMQP_BASIC_USER_ID_FLAG, user_id),
            appId: string(AMQP_BASIC_APP_ID_FLAG, app_id),
            priority: has(AMQP_BASIC_PRIORITY_FLAG) ? priority : nil)
    }
}
