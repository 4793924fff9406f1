import Foundation

/// The binary layout of one number in a packed array, as `.npy` files and ONNX `raw_data` store them.
struct PackedNumberFormat: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case floatingPoint
        case signedInteger
    }

    var kind: Kind
    /// Bytes per number: 4 or 8.
    var width: Int
    var isBigEndian: Bool

    static let float32LittleEndian = PackedNumberFormat(kind: .floatingPoint, width: 4, isBigEndian: false)
    static let float64LittleEndian = PackedNumberFormat(kind: .floatingPoint, width: 8, isBigEndian: false)
    static let int64LittleEndian = PackedNumberFormat(kind: .signedInteger, width: 8, isBigEndian: false)
}

/// Converts between packed binary arrays and Swift numbers.
///
/// Callers check that `bytes` holds at least `count × format.width` bytes before calling: the
/// decoders read exactly that many and trap otherwise, because the check belongs where the file
/// name is known and a typed error can say what is missing.
enum PackedNumbers {
    /// Decodes `count` floating-point numbers; float64 values are rounded to the nearest float32
    /// (values beyond float32's range become ±infinity, which callers reject as non-finite).
    static func floats(from bytes: UnsafeRawBufferPointer, count: Int, format: PackedNumberFormat) -> [Float] {
        precondition(format.kind == .floatingPoint && bytes.count >= count * format.width)
        switch format.width {
        case 4:
            return (0..<count).map { index in
                Float(bitPattern: integer(UInt32.self, in: bytes, at: index * 4, bigEndian: format.isBigEndian))
            }
        default:
            return (0..<count).map { index in
                Float(Double(bitPattern: integer(UInt64.self, in: bytes, at: index * 8, bigEndian: format.isBigEndian)))
            }
        }
    }

    /// Decodes `count` signed integers of 4 or 8 bytes.
    static func integers(from bytes: UnsafeRawBufferPointer, count: Int, format: PackedNumberFormat) -> [Int] {
        precondition(format.kind == .signedInteger && bytes.count >= count * format.width)
        switch format.width {
        case 4:
            return (0..<count).map { index in
                Int(Int32(bitPattern: integer(UInt32.self, in: bytes, at: index * 4, bigEndian: format.isBigEndian)))
            }
        default:
            return (0..<count).map { index in
                Int(Int64(bitPattern: integer(UInt64.self, in: bytes, at: index * 8, bigEndian: format.isBigEndian)))
            }
        }
    }

    /// Appends `values` as little-endian float32.
    static func appendLittleEndian(_ values: [Float], to data: inout Data) {
        data.reserveCapacity(data.count + values.count * 4)
        for value in values { append(value.bitPattern.littleEndian, to: &data) }
    }

    /// Appends `values` as little-endian int64.
    static func appendLittleEndian(_ values: [Int], to data: inout Data) {
        data.reserveCapacity(data.count + values.count * 8)
        for value in values { append(Int64(value).littleEndian, to: &data) }
    }

    private static func integer<Bits: FixedWidthInteger>(
        _ type: Bits.Type, in bytes: UnsafeRawBufferPointer, at offset: Int, bigEndian: Bool
    ) -> Bits {
        let stored = bytes.loadUnaligned(fromByteOffset: offset, as: Bits.self)
        return bigEndian ? Bits(bigEndian: stored) : Bits(littleEndian: stored)
    }

    private static func append<Bits: FixedWidthInteger>(_ value: Bits, to data: inout Data) {
        withUnsafeBytes(of: value) { data.append(contentsOf: $0) }
    }
}
