import Crypto

/// SHA-256 as lowercase hex: how models, tensors and keys are named on the wire.
public enum Digest {
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(SHA256.hash(data: Array(bytes)))
    }

    /// The digest of a tensor: SHA-256 of its frame encoding, shape header included, hashed in place
    /// (a result's tensors are 16 MB; encoding them first only to hash them was another copy).
    public static func tensor(_ matrix: Matrix) -> String {
        var hasher = SHA256()
        ByteWriter.forEachTensorPart(matrix) { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
