import Crypto
import Foundation

/// The CSPRNG behind keys and the verifier's random vectors: AES-256-CTR under a key that each
/// stream draws fresh from the system CSPRNG.
///
/// Reading the kernel's generator for every value was the first cost to go (`SystemRandomNumberGenerator`
/// makes one `getrandom` call per 64-bit value); reading it in blocks was still a tenth of a
/// verification on the machine of docs/BENCHMARKS.md, because the kernel's ChaCha20 runs at a few
/// hundred MB/s in this VM. Now the kernel supplies 32 bytes of key per stream and AES (in hardware)
/// expands them: the keystream of AES-256-CTR, which is what AES-GCM encrypts zeros to, is
/// indistinguishable from random without the key — the construction of NIST SP 800-90A's CTR_DRBG.
/// Each block of 8 KB uses its own nonce (a counter), so no counter block ever repeats under a key,
/// and the key never leaves the stream.
struct SystemRandomStream: RandomNumberGenerator {
    private static let wordsPerBlock = 1024
    private static let zeros = [UInt8](repeating: 0, count: wordsPerBlock * 8)

    private let key: SymmetricKey
    private var nonceCounter: UInt64 = 0
    private var buffer = [UInt64](repeating: 0, count: wordsPerBlock)
    private var position = wordsPerBlock

    init() {
        var system = SystemRandomNumberGenerator()
        key = SymmetricKey(data: (0..<4).flatMap { _ in withUnsafeBytes(of: system.next()) { Array($0) } })
    }

    mutating func next() -> UInt64 {
        if position == buffer.count {
            refill()
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func refill() {
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: nonceCounter.bigEndian) { nonceBytes.replaceSubrange(4..<12, with: $0) }
        nonceCounter += 1
        // Cannot fail: the nonce has the standard 12 bytes and the key 32.
        let box = try! AES.GCM.seal(Self.zeros, using: key, nonce: AES.GCM.Nonce(data: nonceBytes))
        box.ciphertext.withUnsafeBytes { keystream in
            buffer.withUnsafeMutableBytes { $0.copyMemory(from: keystream) }
        }
    }
}
