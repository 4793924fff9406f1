import Crypto
import Foundation

/// A deterministic cryptographic random stream: HMAC-SHA256(seed, label ‖ 0x00 ‖ counter) blocks,
/// the counter a big-endian UInt64 from 0, each 32-byte block read as four little-endian UInt64.
///
/// A job's keys are derived from one 32-byte secret seed, so re-publishing a batch after a crash
/// produces byte-identical blinded jobs (idempotent, and nothing else to journal) while different
/// labels give independent keys. The seed is as secret as the keys it derives.
public struct KeyStream: RandomNumberGenerator {
    /// The HMAC keyed with the seed and fed the label: every block continues a copy of it, so a block
    /// costs the counter's compression and the outer hash, not the key schedule again. A batch key of
    /// 1024 rows draws about 500 blocks.
    private let labelled: HMAC<SHA256>
    private var counter: UInt64 = 0
    private var words: [UInt64] = [0, 0, 0, 0]
    private var used = 4

    public init(seed: [UInt8], label: String) {
        precondition(seed.count >= 32, "a key-stream seed needs at least 32 bytes")
        var mac = HMAC<SHA256>(key: SymmetricKey(data: seed))
        mac.update(data: Array(label.utf8) + [0])
        labelled = mac
    }

    /// A fresh 32-byte secret seed from the system CSPRNG.
    public static func newSeed() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
    }

    public mutating func next() -> UInt64 {
        if used == words.count {
            refill()
            used = 0
        }
        defer { used += 1 }
        return words[used]
    }

    private mutating func refill() {
        var mac = labelled
        withUnsafeBytes(of: counter.bigEndian) { mac.update(data: $0) }
        counter += 1
        let block = mac.finalize()
        block.withUnsafeBytes { bytes in
            for i in words.indices {
                words[i] = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
            }
        }
    }
}
