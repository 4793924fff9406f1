import Foundation

/// A small, fast, seedable generator for benchmark data (weights and inputs).
///
/// Benchmarks need the same numbers on every run and tens of millions of them quickly; the system
/// CSPRNG is neither reproducible nor cheap. Never used for keys: the product draws those from
/// `SystemRandomNumberGenerator`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1]: never 0, so `log` is always finite.
    mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// `count` samples of N(0, σ²) as float32, two per Box–Muller step.
    mutating func gaussians(count: Int, standardDeviation sigma: Double) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            while index < count {
                let radius = sigma * (-2 * Foundation.log(nextUnitInterval())).squareRoot()
                let angle = 2 * Double.pi * nextUnitInterval()
                buffer[index] = Float(radius * Foundation.cos(angle))
                if index + 1 < count { buffer[index + 1] = Float(radius * Foundation.sin(angle)) }
                index += 2
            }
            initialized = count
        }
    }
}
