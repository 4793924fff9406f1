/// Reads little-endian fields from untrusted bytes; every read is bounds-checked and reports which
/// field ran out.
struct ByteReader {
    private let storage: [UInt8]
    private(set) var offset = 0

    init(_ storage: [UInt8]) { self.storage = storage }

    var remaining: Int { storage.count - offset }

    private mutating func take(_ count: Int, field: String) throws -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw FrameError.truncated(field: field, needed: count, available: remaining)
        }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func bytes(_ count: Int, field: String) throws -> [UInt8] {
        Array(storage[try take(count, field: field)])
    }

    /// Steps over `count` bytes and returns where they lie, for a caller that reads them in place.
    mutating func skip(_ count: Int, field: String) throws -> Range<Int> { try take(count, field: field) }

    mutating func uint8(field: String) throws -> UInt8 { storage[try take(1, field: field).lowerBound] }

    mutating func uint16(field: String) throws -> UInt16 {
        let r = try take(2, field: field)
        return UInt16(storage[r.lowerBound]) | UInt16(storage[r.lowerBound + 1]) << 8
    }

    mutating func uint32(field: String) throws -> UInt32 {
        let r = try take(4, field: field)
        var value: UInt32 = 0
        for (shift, index) in r.enumerated() { value |= UInt32(storage[index]) << (8 * UInt32(shift)) }
        return value
    }

    /// A tensor whose declared size is checked against `maxElements` and the bytes left before allocation.
    mutating func tensor(field: String, maxElements: Int) throws -> Matrix {
        let rows = Int(try uint32(field: "\(field) rows"))
        let columns = Int(try uint32(field: "\(field) columns"))
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, count <= maxElements else {
            throw FrameError.fieldTooLarge(field: "\(field) (\(rows)×\(columns))", size: overflow ? Int.max : count,
                                           limit: maxElements)
        }
        let range = try take(count * 4, field: "\(field) data (\(rows)×\(columns))")
        // Copied straight into uninitialized storage: zero-filling 16 MB first was a pass of its own.
        let stored = [Float](unsafeUninitializedCapacity: count) { target, initialized in
            storage.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range]))
            }
            initialized = count
        }
        #if _endian(big)
        let elements = stored.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #else
        let elements = stored
        #endif
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}
