import Foundation
@testable import SecureNetsMessaging
import Testing

@Suite("Field tables: Swift → rabbitmq-c → Swift (no broker)")
struct FieldTableTests {
    static let everyType: [String: AMQPFieldValue] = [
        "string": "héllo",
        "bytes": .bytes([0, 1, 2, 255]),
        "bool": true,
        "int8": .int8(-8), "uint8": .uint8(8),
        "int16": .int16(-16), "uint16": .uint16(16),
        "int32": .int32(-32), "uint32": .uint32(32),
        "int64": .int64(Int64.min), "uint64": .uint64(UInt64.max),
        "float": .float(1.5), "double": 2.25,
        "decimal": .decimal(scale: 2, value: 12345),
        "timestamp": .timestamp(Date(timeIntervalSince1970: 1_700_000_000)),
        "table": ["nested": ["deeper": 1], "empty": .table([:])],
        "array": [1, "two", .array([]), .bool(false)],
        "void": .void,
    ]

    @Test func everyTypeSurvivesEncodingAndDecoding() {
        let decoded = withCArena { arena in arena.table(Self.everyType).decoded }
        #expect(decoded == Self.everyType)
    }

    @Test func emptyTableAndEmptyStrings() {
        #expect(withCArena { $0.table([:]).decoded }.isEmpty)
        let withEmpty: [String: AMQPFieldValue] = ["": "", "e": .bytes([])]
        #expect(withCArena { $0.table(withEmpty).decoded } == withEmpty)
    }

    @Test func timestampsDropSubSeconds() {
        let value = AMQPFieldValue.timestamp(Date(timeIntervalSince1970: 1_700_000_000.9))
        let decoded = withCArena { $0.fieldValue(value).decoded }
        #expect(decoded == .timestamp(Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test func propertiesRoundTrip() {
        let properties = AMQPMessageProperties(
            headers: ["job": "j-1", "attempt": .int32(2)], persistent: false, contentType: "application/octet-stream",
            contentEncoding: "identity", messageId: "m-1", correlationId: "c-1", replyTo: "reply.j-1",
            expiration: "60000", timestamp: Date(timeIntervalSince1970: 1_700_000_123), type: "job",
            userId: "securenets", appId: "tests", priority: 3)
        #expect(withCArena { $0.properties(properties).decoded } == properties)
        #expect(withCArena { $0.properties(AMQPMessageProperties()).decoded } == AMQPMessageProperties())
    }

    @Test func literalsPickTheRabbitMQTypes() {
        let arguments: [String: AMQPFieldValue] = ["x-queue-type": "quorum", "x-delivery-limit": 5]
        #expect(arguments["x-queue-type"] == .string("quorum"))
        #expect(arguments["x-delivery-limit"] == .int64(5))
        #expect(AMQPFieldValue.int32(7).int64Value == 7)
    }
}
