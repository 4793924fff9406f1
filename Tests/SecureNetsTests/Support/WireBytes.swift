@testable import SecureNets

/// Frame bytes written by hand from docs/PROTOCOL.md (little-endian integers, float32 tensors), so tests can
/// compare the codec against the document and build frames the encoder would never produce.
struct WireBytes {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    mutating func u32(_ value: UInt32) { bytes += (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    mutating func raw(_ value: [UInt8]) { bytes += value }
    mutating func tensor(_ matrix: Matrix) { bytes += ReferenceMath.tensorBytes(matrix) }

    /// A whole frame; every length may be overridden to lie about what follows.
    static func frame(magic: [UInt8] = Array("SNET".utf8), version: UInt8 = 1, kind: UInt8 = 1, flags: UInt16 = 0,
                      manifest: [UInt8] = Array("{}".utf8), manifestLength: UInt32? = nil,
                      signature: [UInt8] = [], signatureLength: UInt16? = nil,
                      metadata: [UInt8] = [], metadataLength: UInt32? = nil,
                      tensors: [Matrix] = [], tensorCount: UInt32? = nil,
                      blob: [UInt8] = [], blobLength: UInt32? = nil) -> [UInt8] {
        var w = WireBytes()
        w.raw(magic)
        w.u8(version)
        w.u8(kind)
        w.u16(flags)
        w.u32(manifestLength ?? UInt32(manifest.count))
        w.raw(manifest)
        w.u16(signatureLength ?? UInt16(signature.count))
        w.raw(signature)
        w.u32(metadataLength ?? UInt32(metadata.count))
        w.raw(metadata)
        w.u32(tensorCount ?? UInt32(tensors.count))
        for tensor in tensors { w.tensor(tensor) }
        w.u32(blobLength ?? UInt32(blob.count))
        w.raw(blob)
        return w.bytes
    }
}
