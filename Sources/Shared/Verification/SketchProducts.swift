/// The verifier's matrix–vector products: float32 matrices times k float64 vectors with float64
/// accumulation, together with the absolute-value products the residual bound needs (DESIGN §4).
///
/// Every pass reads its float32 matrix once, widening entries in registers: the former formulation
/// made float64 copies of every operand and of its absolute value per check, which cost more than the
/// products. Rounds are taken two at a time so each loaded entry serves both vectors, and a layer's
/// output is read once for its own check and for the next layer's (`outputPass`). The float64 sums
/// run in a different order than `dgemm`'s, which the verifier's γ bounds allow for any order.
///
/// Each function returns a `ParallelRows.Pass`, so that a caller can run independent passes in one
/// parallel region; the `Sums` it writes must stay alive until then.
enum SketchProducts {
    /// k sums per matrix row and their magnitudes, each laid out k × rows (index c·rows + row), in
    /// memory that stays put while passes on several threads write it. A weight pass's sums
    /// (k × inner) are the vectors of the layer's input pass.
    final class Sums: @unchecked Sendable {
        let rows: Int
        let signed: UnsafeMutablePointer<Double>
        let magnitude: UnsafeMutablePointer<Double>

        init(rounds k: Int, rows: Int) {
            self.rows = rows
            let count = Swift.max(k * rows, 1)  // a valid address even for no rows
            signed = .allocate(capacity: count)
            signed.initialize(repeating: 0, count: count)
            magnitude = .allocate(capacity: count)
            magnitude.initialize(repeating: 0, count: count)
        }

        deinit {
            signed.deallocate()
            magnitude.deallocate()
        }

        @inline(__always)
        func store(_ row: Int, _ c0: Int, _ c1: Int, _ sums: (Double, Double, Double, Double)) {
            signed[c0 * rows + row] = sums.0
            magnitude[c0 * rows + row] = sums.1
            signed[c1 * rows + row] = sums.2
            magnitude[c1 * rows + row] = sums.3
        }
    }

    /// W·r into `result` (and |W|·|r|), for `r` given as k × W.columns.
    static func weightPass(_ w: Matrix, vectors r: [Double], rounds k: Int, into result: Sums) -> ParallelRows.Pass {
        rowPass(w, rounds: k) { row, x, _ in
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!, n = w.columns
                pairs(k) { c0, c1 in result.store(row, c0, c1, productsAndMagnitudes(x, v + c0 * n, v + c1 * n, n)) }
            }
        }
    }

    /// A·(W·r) into `result` (and |A|·(|W|·|r|)) for the first layer's input A, given its weight pass.
    static func inputPass(_ a: Matrix, weights: Sums, rounds k: Int, into result: Sums) -> ParallelRows.Pass {
        rowPass(a, rounds: k) { row, x, _ in
            let (v, m, n) = (weights.signed, weights.magnitude, a.columns)
            pairs(k) { c0, c1 in
                result.store(row, c0, c1, productsWithMagnitudes(
                    x, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified: false))
            }
        }
    }

    /// Ẑ·r into `result` (and |Ẑ|·|r|) for a layer's output Ẑ, and in the same pass over Ẑ, when a
    /// layer follows, σ(Ẑ)·(W'·r') and |σ(Ẑ)|·(|W'|·|r'|) into `next.result`: σ(Ẑ) is that layer's
    /// input, rebuilt row by row in a scratch row exactly as the worker computed it (the float32
    /// `Activation.apply`), never as a whole matrix.
    static func outputPass(_ z: Matrix, vectors r: [Double], rounds k: Int, into result: Sums,
                           next: (activation: Activation, weights: Sums, result: Sums)?) -> ParallelRows.Pass {
        rowPass(z, rounds: k) { row, x, scratch in
            let n = z.columns
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!
                pairs(k) { c0, c1 in result.store(row, c0, c1, productsAndMagnitudes(x, v + c0 * n, v + c1 * n, n)) }
            }
            guard let next else { return }
            let (v, m) = (next.weights.signed, next.weights.magnitude)
            if next.activation == .relu {
                pairs(k) { c0, c1 in
                    next.result.store(row, c0, c1, productsWithMagnitudes(
                        x, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified: true))
                }
                return
            }
            scratch.update(from: x, count: n)
            next.activation.apply(to: scratch, count: n)
            pairs(k) { c0, c1 in
                next.result.store(row, c0, c1, productsWithMagnitudes(
                    scratch, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified: false))
            }
        }
    }

    // MARK: - Row scaffolding

    /// Rounds (0, 1), (2, 3), …; an odd last round is paired with itself.
    @inline(__always)
    private static func pairs(_ k: Int, _ body: (Int, Int) -> Void) {
        for c0 in stride(from: 0, to: k, by: 2) { body(c0, Swift.min(c0 + 1, k - 1)) }
    }

    /// A pass calling `body(row, entries, scratch)` for every row of `matrix`; each row range gets its
    /// own scratch row of `matrix.columns` floats. With no columns every sum is empty: the zeros the
    /// sums start with, so nothing runs.
    private static func rowPass(_ matrix: Matrix, rounds k: Int,
                                _ body: @escaping (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> ParallelRows.Pass {
        let columns = matrix.columns
        return ParallelRows.Pass(rows: columns > 0 ? matrix.rows : 0, columns: columns * k) { range in
            matrix.elements.withUnsafeBufferPointer { m in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
                defer { scratch.deallocate() }
                for row in range { body(row, m.baseAddress! + row * columns, scratch) }
            }
        }
    }

    // MARK: - Kernels

    /// (Σ x·v₀, Σ |x·v₀|, Σ x·v₁, Σ |x·v₁|) over `count` float32 entries x, in float64: the passes
    /// whose bound vector is |v| itself (W·r, Ẑ·r). |x·v| is the same float64 number as |x|·|v|
    /// (rounding is symmetric in sign), so the magnitude costs no second product.
    ///
    /// Four lanes per step into SIMD4 sums (two SSE2 registers each): eight independent addition
    /// chains keep the adders busy on the baseline x86-64 target this code is compiled for.
    @inline(__always)
    private static func productsAndMagnitudes(_ x: UnsafePointer<Float>, _ v0: UnsafePointer<Double>,
                                              _ v1: UnsafePointer<Double>, _ count: Int) -> (Double, Double, Double, Double) {
        var s0 = SIMD4<Double>(), t0 = SIMD4<Double>(), s1 = SIMD4<Double>(), t1 = SIMD4<Double>()
        var j = 0
        while j &+ 4 <= count {
            let value = SIMD4<Double>(load(x + j))
            let p0 = value * load(v0 + j), p1 = value * load(v1 + j)
            s0 += p0
            s1 += p1
            t0 += magnitude(p0)
            t1 += magnitude(p1)
            j &+= 4
        }
        var sums = (s0.sum(), t0.sum(), s1.sum(), t1.sum())
        while j < count {
            let value = Double(x[j])
            let p0 = value * v0[j], p1 = value * v1[j]
            sums.0 += p0
            sums.1 += Swift.abs(p0)
            sums.2 += p1
            sums.3 += Swift.abs(p1)
            j &+= 1
        }
        return sums
    }

    /// (Σ y·v₀, Σ |y|·a₀, Σ y·v₁, Σ |y|·a₁) over `count` float32 entries x, in float64, with y = x or,
    /// when `rectified`, y = ReLU(x): the input passes, whose bound vector |W|·|r| is not |W·r|.
    ///
    /// ReLU is applied in registers by clearing every entry whose sign bit is set. That is
    /// `Activation.relu.apply` exactly for every value but a NaN with a clear sign bit, and a NaN in Ẑ
    /// fails Ẑ's own check first, so the next layer's sums are then never reported. ReLU(x) ≥ 0, so
    /// |y| is y itself. `rectified` is a constant at every call site, so each gets its own loop.
    @inline(__always)
    private static func productsWithMagnitudes(_ x: UnsafePointer<Float>, _ v0: UnsafePointer<Double>,
                                               _ v1: UnsafePointer<Double>, _ a0: UnsafePointer<Double>,
                                               _ a1: UnsafePointer<Double>, _ count: Int,
                                               rectified: Bool) -> (Double, Double, Double, Double) {
        var s0 = SIMD4<Double>(), t0 = SIMD4<Double>(), s1 = SIMD4<Double>(), t1 = SIMD4<Double>()
        var j = 0
        while j &+ 4 <= count {
            let bits = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Int32>.self)
            let value: SIMD4<Double>, absoluteValue: SIMD4<Double>
            if rectified {
                value = SIMD4<Double>(unsafeBitCast(bits & ~(bits &>> 31), to: SIMD4<Float>.self))
                absoluteValue = value
            } else {
                value = SIMD4<Double>(unsafeBitCast(bits, to: SIMD4<Float>.self))
                absoluteValue = SIMD4<Double>(unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD4<Float>.self))
            }
            s0 += value * load(v0 + j)
            s1 += value * load(v1 + j)
            t0 += absoluteValue * load(a0 + j)
            t1 += absoluteValue * load(a1 + j)
            j &+= 4
        }
        var sums = (s0.sum(), t0.sum(), s1.sum(), t1.sum())
        while j < count {
            let value = Double(rectified ? Activation.relu.apply(x[j]) : x[j])
            sums.0 += value * v0[j]
            sums.1 += Swift.abs(value) * a0[j]
            sums.2 += value * v1[j]
            sums.3 += Swift.abs(value) * a1[j]
            j &+= 1
        }
        return sums
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// |x| by clearing the sign bits: exact, and one `andpd` (the generic `abs` on SIMD vectors is
    /// not inlined).
    @inline(__always)
    private static func magnitude(_ x: SIMD4<Double>) -> SIMD4<Double> {
        unsafeBitCast(unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD4<Double>.self)
    }
}
