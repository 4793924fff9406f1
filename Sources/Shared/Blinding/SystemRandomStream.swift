#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system CSPRNG, read in 8 KB blocks: the generator behind keys and the verifier's random vectors.
///
/// `SystemRandomNumberGenerator` makes one `getrandom` system call per 64-bit value on Linux (about
/// 0.4 µs each on the machine of docs/BENCHMARKS.md). A batch key of 1024 rows or the k = 2 vectors of
/// a 1024-wide layer draw thousands of values, which made the calls cost more than the arithmetic they
/// feed. The bytes are the same kernel CSPRNG output (`/dev/urandom`), fetched a block at a time;
/// if the device cannot be read, every value comes from `SystemRandomNumberGenerator` as before.
struct SystemRandomStream: RandomNumberGenerator {
    private static let wordsPerRead = 1024
    /// Opened once; `read(2)` on one descriptor from several threads is safe and each read gets fresh bytes.
    private static let device: Int32 = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    private var buffer = [UInt64](repeating: 0, count: wordsPerRead)
    private var position = wordsPerRead

    init() {}

    mutating func next() -> UInt64 {
        if position == buffer.count {
            refill()
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func refill() {
        let filled = buffer.withUnsafeMutableBytes { bytes -> Bool in
            guard Self.device >= 0 else { return false }
            var offset = 0
            while offset < bytes.count {
                let count = read(Self.device, bytes.baseAddress! + offset, bytes.count - offset)
                if count > 0 {
                    offset += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
        if !filled {
            var fallback = SystemRandomNumberGenerator()
            for i in buffer.indices { buffer[i] = fallback.next() }
        }
    }
}
