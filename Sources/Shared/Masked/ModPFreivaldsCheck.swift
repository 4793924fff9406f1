import CModP

/// The exact randomized product check of masked mode: is Z ≡ X · W (mod p)?
///
/// For `rounds` vectors r drawn uniform in Z_p from a CSPRNG after the result exists, it compares
/// Z·r with X·(W·r), all mod p in 64-bit integer arithmetic (`sn_modp_matvec2`). There is no
/// tolerance: an honest product always passes, and a wrong one (Z − X·W ≠ 0 mod p) passes one vector
/// with probability at most 1/p, so k = 2 vectors let it through with probability ≤ p⁻² < 2⁻⁶¹.
/// Cost O(k·(B·K + K·N + B·N)) against the pools' O(B·K·N).
public struct ModPFreivaldsCheck: Sendable {
    public var rounds: Int

    public init(rounds: Int = 2) {
        precondition(rounds >= 1, "at least one round")
        self.rounds = rounds
    }

    /// Checks `output` ≡ `input` · `weights` with fresh vectors from the system CSPRNG.
    public func check(input: ResidueMatrix, weights: QuantizedWeights, output: ResidueMatrix) -> ModPCheckResult {
        var rng = SystemRandomStream()
        return check(input: input, weights: weights, output: output, using: &rng)
    }

    /// Same, with an explicit generator (tests); production uses the system CSPRNG.
    public func check<G: RandomNumberGenerator>(input x: ResidueMatrix, weights w: QuantizedWeights,
                                                output z: ResidueMatrix, using rng: inout G) -> ModPCheckResult {
        guard x.columns == w.rows, z.rows == x.rows, z.columns == w.columns else {
            return .failed("shape: input \(x.shapeDescription), weights \(w.shapeDescription), output \(z.shapeDescription)")
        }
        let rows = x.rows, inner = w.rows, columns = w.columns
        guard rows > 0 else { return .passed }
        for round in stride(from: 0, to: rounds, by: 2) {
            let v0 = Self.uniformVector(count: columns, using: &rng)
            // An odd last round repeats its vector: the kernel always takes two.
            let v1 = round + 1 < rounds ? Self.uniformVector(count: columns, using: &rng) : v0
            var wr0 = [UInt32](repeating: 0, count: inner), wr1 = wr0
            var zr0 = [UInt32](repeating: 0, count: rows), zr1 = zr0
            var xwr0 = zr0, xwr1 = zr0
            Self.product(w.residues, rows: inner, columns: columns, v0, v1, &wr0, &wr1)
            Self.product(z.elements, rows: rows, columns: columns, v0, v1, &zr0, &zr1)
            Self.product(x.elements, rows: rows, columns: inner, wr0, wr1, &xwr0, &xwr1)
            for row in 0..<rows where zr0[row] != xwr0[row] || zr1[row] != xwr1[row] {
                return .failed("row \(row): Z·r differs from X·(W·r) mod p")
            }
        }
        return .passed
    }

    /// `count` residues uniform in Z_p: rejection sampling on 32-bit words of `rng`.
    static func uniformVector<G: RandomNumberGenerator>(count: Int, using rng: inout G) -> [UInt32] {
        var vector: [UInt32] = []
        vector.reserveCapacity(count)
        while vector.count < count {
            let word = rng.next()
            for half in [UInt32(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 32)] where vector.count < count {
                if let value = PrimeField.acceptedCandidate(half) { vector.append(value) }
            }
        }
        return vector
    }

    /// out_t = M · v_t mod p for t = 0, 1, with M rows × columns (row-major), rows split across cores.
    private static func product(_ m: [UInt32], rows: Int, columns: Int, _ v0: [UInt32], _ v1: [UInt32],
                                _ out0: inout [UInt32], _ out1: inout [UInt32]) {
        m.withUnsafeBufferPointer { m in
            v0.withUnsafeBufferPointer { v0 in
                v1.withUnsafeBufferPointer { v1 in
                    out0.withUnsafeMutableBufferPointer { o0 in
                        out1.withUnsafeMutableBufferPointer { o1 in
                            guard let m = m.baseAddress, let v0 = v0.baseAddress, let v1 = v1.baseAddress,
                                  let o0 = o0.baseAddress, let o1 = o1.baseAddress else { return }
                            ParallelRows.forEach(rows: rows, columns: columns) { range in
                                sn_modp_matvec2(m + range.lowerBound * columns, range.count, columns, columns,
                                                v0, v1, o0 + range.lowerBound, o1 + range.lowerBound)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The verdict of one mod-p check: passed, or failed with the reason.
public struct ModPCheckResult: Sendable, Equatable {
    public let passed: Bool
    public let failure: String?

    public static let passed = ModPCheckResult(passed: true, failure: nil)
    public static func failed(_ reason: String) -> ModPCheckResult { ModPCheckResult(passed: false, failure: reason) }
}
