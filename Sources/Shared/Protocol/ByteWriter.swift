/// Appends little-endian integers, bytes and tensors to a growing buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func append(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func appendTensor(_ tensor: Matrix) {
        Self.forEachTensorPart(tensor) { bytes.append(contentsOf: $0) }
    }

    /// Hands `body` a tensor's encoding in parts, in order: the shape header (rows, columns as
    /// little-endian UInt32), then the elements as little-endian float32. On a little-endian host the
    /// elements are passed as they lie in memory, one copy of 16 MB instead of 4 M appends of 4 bytes.
    static func forEachTensorPart(_ tensor: Matrix, _ body: (UnsafeRawBufferPointer) -> Void) {
        withUnsafeBytes(of: (UInt32(tensor.rows).littleEndian, UInt32(tensor.columns).littleEndian)) { body($0) }
        #if _endian(little)
        tensor.elements.withUnsafeBytes { body($0) }
        #else
        let swapped = tensor.elements.map { $0.bitPattern.littleEndian }
        swapped.withUnsafeBytes { body($0) }
        #endif
    }
}
