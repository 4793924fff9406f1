import Crypto

/// SHA-256 as lowercase hex: how models, tensors and keys are named on the wire.
public enum Digest {
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        SHA256.hash(data: Array(bytes)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The digest of a tensor: SHA-256 of its frame encoding, shape header included.
    public static func tensor(_ matrix: Matrix) -> String { sha256Hex(FrameCodec.encodeTensor(matrix)) }
}
