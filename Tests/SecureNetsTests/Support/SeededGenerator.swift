import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, fully deterministic generator, so that every
/// random shape, value and key in these tests is reproducible from its seed.
///
/// Never use it outside tests: production code draws keys and check vectors from the system CSPRNG.
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

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// A fair coin.
    mutating func coin() -> Bool { Bool.random(using: &self) }

    /// `sign · 10^U(decades)`: a value whose magnitude is log-uniform over the given decades.
    mutating func spread(_ decades: ClosedRange<Double> = -4...4) -> Float {
        let magnitude = Float(Foundation.pow(10, Double.random(in: decades, using: &self)))
        return coin() ? magnitude : -magnitude
    }

    /// A uniform `Float` in `range`.
    mutating func uniform(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }

    /// Random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
