import Testing
@testable import SecureNets

/// The verifier's vectors and every key come from `SystemRandomStream`; a broken stream (constant,
/// repeating, shared between instances, skewed) would quietly weaken both.
@Suite struct SystemRandomStreamTests {
    @Test func streamsAreIndependentAndNeverRepeatAcrossBlocks() {
        var a = SystemRandomStream(), b = SystemRandomStream()
        // Three blocks of 1024 words: the block boundaries (new nonces) are crossed twice.
        let first = (0..<3072).map { _ in a.next() }
        let second = (0..<3072).map { _ in b.next() }
        #expect(Set(first).count == first.count, "a 64-bit value repeated within one stream")
        #expect(Set(first).isDisjoint(with: second), "two streams shared a value: same key?")
        #expect(first[0..<1024] != first[1024..<2048])
    }

    @Test func bitsAreBalanced() {
        var stream = SystemRandomStream()
        let words = 4096
        var ones = [Int](repeating: 0, count: 64)
        for _ in 0..<words {
            let word = stream.next()
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { ones[bit] += 1 }
        }
        // Each bit is Binomial(4096, 1/2): standard deviation 32, so ±256 is 8 σ; a stuck or biased
        // bit (say the nonce's or a counter's) falls far outside.
        for (bit, count) in ones.enumerated() {
            #expect(abs(count - words / 2) < 256, "bit \(bit) set in \(count) of \(words) words")
        }
    }
}
