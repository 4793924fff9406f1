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
            // W·r and Z·r are independent: one parallel region for both. X·(W·r) needs W·r.
            withPointers(&wr0, &wr1, &zr0, &zr1) { wr0, wr1, zr0, zr1 in
                ParallelRows.run([Self.pass(w, v0, v1, wr0, wr1),
                                  Self.pass(z.elements, rows: rows, columns: columns, v0, v1, zr0, zr1)])
            }
            xwr0.withUnsafeMutableBufferPointer { xwr0 in
                xwr1.withUnsafeMutableBufferPointer { xwr1 in
                    ParallelRows.run([Self.pass(x.elements, rows: rows, columns: inner, wr0, wr1, xwr0.baseAddress!, xwr1.baseAddress!)])
                }
            }
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

    /// The pass out_t = M · v_t mod p for t = 0, 1 over residues M (rows × columns, row-major), by rows.
    /// The arrays must outlive the pass (`run` returns before the caller's scope ends).
    private static func pass(_ m: [UInt32], rows: Int, columns: Int, _ v0: [UInt32], _ v1: [UInt32],
                             _ out0: UnsafeMutablePointer<UInt32>, _ out1: UnsafeMutablePointer<UInt32>) -> ParallelRows.Pass {
        ParallelRows.Pass(rows: rows, columns: columns) { range in
            m.withUnsafeBufferPointer { m in
                v0.withUnsafeBufferPointer { v0 in
                    v1.withUnsafeBufferPointer { v1 in
                        sn_modp_matvec2(m.baseAddress! + range.lowerBound * columns, range.count, columns, columns,
                                        v0.baseAddress!, v1.baseAddress!, out0 + range.lowerBound, out1 + range.lowerBound)
                    }
                }
            }
        }
    }

    /// The pass W · v_t mod p, in whichever form `w` holds for the check.
    private static func pass(_ w: QuantizedWeights, _ v0: [UInt32], _ v1: [UInt32],
                             _ out0: UnsafeMutablePointer<UInt32>, _ out1: UnsafeMutablePointer<UInt32>) -> ParallelRows.Pass {
        let columns = w.columns
        switch w.checkForm {
        case .residues(let residues):
            return pass(residues, rows: w.rows, columns: columns, v0, v1, out0, out1)
        case .narrow(let narrow):
            return ParallelRows.Pass(rows: w.rows, columns: columns) { range in
                narrow.withUnsafeBufferPointer { m in
                    v0.withUnsafeBufferPointer { v0 in
                        v1.withUnsafeBufferPointer { v1 in
                            sn_modp_matvec2_i16(m.baseAddress! + range.lowerBound * columns, range.count, columns,
                                                v0.baseAddress!, v1.baseAddress!, out0 + range.lowerBound, out1 + range.lowerBound)
                        }
                    }
                }
            }
        }
    }
}

/// Mutable pointers to four arrays' storage for the duration of `body`.
private func withPointers(_ a: inout [UInt32], _ b: inout [UInt32], _ c: inout [UInt32], _ d: inout [UInt32],
                          _ body: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>,
                                   UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>) -> Void) {
    a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                d.withUnsafeMutableBufferPointer { d in body(a.baseAddress!, b.baseAddress!, c.baseAddress!, d.baseAddress!) }
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
