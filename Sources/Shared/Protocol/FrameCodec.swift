/// Encodes and decodes frames (docs/PROTOCOL.md §Frame). All integers little-endian:
///
/// ```
/// "SNET" | version u8 | kind u8 | flags u16 (0)
/// manifest_length u32 | manifest | signature_length u16 | signature
/// metadata_length u32 | metadata | tensor_count u32
/// tensor_count × (rows u32 | columns u32 | rows·columns float32)
/// blob_length u32 | blob
/// ```
/// Decoding checks every length against the limits and the bytes actually left before allocating.
public enum FrameCodec {
    public static func encode(_ frame: Frame) -> [UInt8] {
        encode(frame, blobBytes: frame.blob.count) { $0.append(frame.blob) }
    }

    /// As `encode`, with the blob made of `matrices` in `ResidueCoding` (`frame.blob` must be empty),
    /// written straight into the frame: a masked-mode product is megabytes, and encoding it into a blob
    /// first copied it twice.
    static func encode(_ frame: Frame, residueBlob matrices: [ResidueMatrix]) -> [UInt8] {
        precondition(frame.blob.isEmpty, "a frame with a residue blob carries no other blob")
        return encode(frame, blobBytes: matrices.reduce(0) { $0 + 8 + 4 * $1.elements.count }) { writer in
            for matrix in matrices { ResidueCoding.append(matrix, to: &writer.bytes) }
        }
    }

    private static func encode(_ frame: Frame, blobBytes: Int, writeBlob: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        // One allocation of the final size: a result is 16 MB, and growing the buffer tensor by tensor
        // copied it several times over.
        let tensorBytes = frame.tensors.reduce(0) { $0 + 8 + 4 * $1.elements.count }
        writer.bytes.reserveCapacity(Frame.magic.count + 4 + 4 + frame.manifest.count + 2 + frame.signature.count
                                     + 4 + frame.metadata.count + 4 + tensorBytes + 4 + blobBytes)
        writer.append(Frame.magic)
        writer.append(Frame.currentVersion)
        writer.append(frame.kind.rawValue)
        writer.append(UInt16(0))
        writer.append(UInt32(frame.manifest.count))
        writer.append(frame.manifest)
        writer.append(UInt16(frame.signature.count))
        writer.append(frame.signature)
        writer.append(UInt32(frame.metadata.count))
        writer.append(frame.metadata)
        writer.append(UInt32(frame.tensors.count))
        for tensor in frame.tensors { writer.appendTensor(tensor) }
        writer.append(UInt32(blobBytes))
        writeBlob(&writer)
        return writer.bytes
    }

    /// The bytes of one tensor as they appear in a frame (shape header included): what tensor digests hash.
    public static func encodeTensor(_ tensor: Matrix) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendTensor(tensor)
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> Frame {
        var (frame, blob) = try decodeLeavingBlob(bytes, limits: limits)
        frame.blob = Array(bytes[blob])
        return frame
    }

    /// As `decode`, with the blob left where it lies: `frame.blob` is empty and `blob` is its range in
    /// `bytes`. For a masked-mode frame, whose blob is megabytes of residues that are decoded from
    /// there in one copy (`ResidueCoding`), not copied out first.
    static func decodeLeavingBlob(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> (frame: Frame, blob: Range<Int>) {
        guard bytes.count <= limits.maxFrameBytes else {
            throw FrameError.tooLarge(bytes: bytes.count, limit: limits.maxFrameBytes)
        }
        var reader = ByteReader(bytes)
        guard try reader.bytes(4, field: "magic") == Frame.magic else { throw FrameError.badMagic }
        let version = try reader.uint8(field: "version")
        guard version == Frame.currentVersion else { throw FrameError.unsupportedVersion(version) }
        let kindByte = try reader.uint8(field: "kind")
        guard let kind = FrameKind(rawValue: kindByte) else { throw FrameError.unknownKind(kindByte) }
        _ = try reader.uint16(field: "flags")

        let manifestLength = Int(try reader.uint32(field: "manifest length"))
        guard manifestLength <= limits.maxManifestBytes else {
            throw FrameError.fieldTooLarge(field: "manifest", size: manifestLength, limit: limits.maxManifestBytes)
        }
        let manifest = try reader.bytes(manifestLength, field: "manifest")
        let signatureLength = Int(try reader.uint16(field: "signature length"))
        guard signatureLength == 0 || signatureLength == 64 else { throw FrameError.badSignatureLength(signatureLength) }
        let signature = try reader.bytes(signatureLength, field: "signature")
        let metadataLength = Int(try reader.uint32(field: "metadata length"))
        guard metadataLength <= limits.maxMetadataBytes else {
            throw FrameError.fieldTooLarge(field: "metadata", size: metadataLength, limit: limits.maxMetadataBytes)
        }
        let metadata = try reader.bytes(metadataLength, field: "metadata")

        let tensorCount = Int(try reader.uint32(field: "tensor count"))
        guard tensorCount <= limits.maxTensors else {
            throw FrameError.fieldTooLarge(field: "tensor count", size: tensorCount, limit: limits.maxTensors)
        }
        var tensors: [Matrix] = []
        for index in 0..<tensorCount {
            tensors.append(try reader.tensor(field: "tensor \(index)", maxElements: limits.maxTensorElements))
        }
        let blobLength = Int(try reader.uint32(field: "blob length"))
        guard blobLength <= limits.maxBlobBytes else {
            throw FrameError.fieldTooLarge(field: "blob", size: blobLength, limit: limits.maxBlobBytes)
        }
        let blob = try reader.skip(blobLength, field: "blob")
        guard reader.remaining == 0 else { throw FrameError.trailingBytes(reader.remaining) }
        return (Frame(kind: kind, manifest: manifest, signature: signature, metadata: metadata, tensors: tensors), blob)
    }
}
