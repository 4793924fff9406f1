import Crypto

/// A deterministic cryptographic random stream: HMAC-SHA256(seed, label ‖ counter) blocks.
///
/// A job's keys are derived from one 32-byte secret seed, so re-publishing a batch after a crash
/// produces byte-identical blinded jobs (idempotent, and nothing else to journal) while different
/// labels give independent keys. The seed is as secret as the keys it derives.
public struct KeyStream: RandomNumberGenerator {
    private let key: SymmetricKey
    private let label: [UInt8]
    private var counter: UInt64 = 0
    private var buffer: [UInt8] = []

    public init(seed: [UInt8], label: String) {
        precondition(seed.count >= 32, "a key-stream seed needs at least 32 bytes")
        key = SymmetricKey(data: seed)
        self.label = Array(label.utf8)
    }

    /// A fresh 32-byte secret seed from the system CSPRNG.
    public static func newSeed() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
    }

    public mutating func next() -> UInt64 {
        if buffer.count < 8 {
            var message = label
            message.append(0)
            withUnsafeBytes(of: counter.bigEndian) { message.append(contentsOf: $0) }
            counter += 1
            buffer += Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        }
        let value = buffer.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        buffer.removeFirst(8)
        return value
    }
}
