import Foundation

/// Draws secret monomial keys from a cryptographically secure generator.
///
/// Scales are log-uniform in `[1/spread, spread]` so no magnitude is favoured; signs are random only
/// where the caller allows them (keys that no worker-side activation sees, DESIGN §3).
public struct KeyGenerator: Sendable {
    /// Largest factor a scale may have: entries are multiplied by at most `spread²` overall.
    public var spread: Double

    public init(spread: Double = 16) {
        precondition(spread >= 1 && spread <= 1_048_576, "scale spread must be in [1, 2^20]")
        self.spread = spread
    }

    /// A random monomial key of size `n`; `signed` allows negative scales.
    public func key<G: RandomNumberGenerator>(size n: Int, signed: Bool, using generator: inout G) -> MonomialMatrix {
        var permutation = Array(0..<n)
        permutation.shuffle(using: &generator)
        let logSpread = Foundation.log(spread)
        let scales = (0..<n).map { _ -> Double in
            let magnitude = Foundation.exp(Double.random(in: -logSpread...logSpread, using: &generator))
            return signed && Bool.random(using: &generator) ? -magnitude : magnitude
        }
        return try! MonomialMatrix(permutation: permutation, scales: scales)
    }

    /// Same as `key(size:signed:using:)` with the system CSPRNG (`SystemRandomStream`).
    public func key(size n: Int, signed: Bool) -> MonomialMatrix {
        var generator = SystemRandomStream()
        return key(size: n, signed: signed, using: &generator)
    }
}
