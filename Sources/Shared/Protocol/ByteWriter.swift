/// Appends little-endian integers, bytes and tensors to a growing buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func append(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func appendTensor(_ tensor: Matrix) {
        append(UInt32(tensor.rows))
        append(UInt32(tensor.columns))
        bytes.reserveCapacity(bytes.count + tensor.elements.count * 4)
        for value in tensor.elements {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }
}
