import CSketchKernels

/// The verifier's matrix–vector products: float32 matrices times k float64 vectors with float64
/// accumulation, together with the absolute-value products the residual bound needs (DESIGN §4).
///
/// Every pass reads its float32 matrix once, two rows at a time, widening entries in registers: the former formulation
/// made float64 copies of every operand and of its absolute value per check, which cost more than the
/// products. Rounds are taken two at a time so each loaded entry serves both vectors, and a layer's
/// output is read once for its own check and for the next layer's (`outputPass`). The row kernels are
/// C (`CSketchKernels`), in the widest version the CPU has (`SketchKernels`). The float64 sums run in
/// a different order than `dgemm`'s, which the verifier's γ bounds allow for any order.
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

        /// One row's sums for rounds c₀ and c₁: (Σ signed₀, Σ magnitude₀, Σ signed₁, Σ magnitude₁).
        typealias Four = (Double, Double, Double, Double)

        @inline(__always)
        func store(_ rows: RowPair<Int>, _ c0: Int, _ c1: Int, _ sums: RowPair<Four>) {
            store(rows.0, c0, c1, sums.0)
            if rows.1 != rows.0 { store(rows.1, c0, c1, sums.1) }
        }

        @inline(__always)
        private func store(_ row: Int, _ c0: Int, _ c1: Int, _ sums: Four) {
            signed[c0 * self.rows + row] = sums.0
            magnitude[c0 * self.rows + row] = sums.1
            signed[c1 * self.rows + row] = sums.2
            magnitude[c1 * self.rows + row] = sums.3
        }
    }

    /// W·r into `result` (and |W|·|r|), for `r` given as k × W.columns.
    static func weightPass(_ w: Matrix, vectors r: [Double], rounds k: Int, into result: Sums,
                           kernels: SketchKernels = .best) -> ParallelRows.Pass {
        rowPass(w, rounds: k) { rows, x, next, _ in
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!, n = w.columns
                pairs(k) { c0, c1 in
                    result.store(rows, c0, c1, productsAndMagnitudes(
                        x, v + c0 * n, v + c1 * n, n, prefetching: c0 == 0 ? next : .none, kernels))
                }
            }
        }
    }

    /// A·(W·r) into `result` (and |A|·(|W|·|r|)) for the first layer's input A, given its weight pass.
    static func inputPass(_ a: Matrix, weights: Sums, rounds k: Int, into result: Sums,
                          kernels: SketchKernels = .best) -> ParallelRows.Pass {
        rowPass(a, rounds: k) { rows, x, next, _ in
            let (v, m, n) = (weights.signed, weights.magnitude, a.columns)
            pairs(k) { c0, c1 in
                result.store(rows, c0, c1, productsWithMagnitudes(
                    x, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified: false,
                    prefetching: c0 == 0 ? next : .none, kernels))
            }
        }
    }

    /// Ẑ·r into `result` (and |Ẑ|·|r|) for a layer's output Ẑ, and in the same pass over Ẑ, when a
    /// layer follows, σ(Ẑ)·(W'·r') and |σ(Ẑ)|·(|W'|·|r'|) into `next.result`: σ(Ẑ) is that layer's
    /// input, rebuilt row by row in scratch rows exactly as the worker computed it (the float32
    /// `Activation.apply`), never as a whole matrix.
    static func outputPass(_ z: Matrix, vectors r: [Double], rounds k: Int, into result: Sums,
                           next: (activation: Activation, weights: Sums, result: Sums)?,
                           kernels: SketchKernels = .best) -> ParallelRows.Pass {
        rowPass(z, rounds: k) { rows, x, prefetch, scratch in
            let n = z.columns
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!
                pairs(k) { c0, c1 in
                    result.store(rows, c0, c1, productsAndMagnitudes(
                        x, v + c0 * n, v + c1 * n, n, prefetching: c0 == 0 ? prefetch : .none, kernels))
                }
            }
            guard let next else { return }
            let (v, m) = (next.weights.signed, next.weights.magnitude)
            if next.activation == .relu {
                pairs(k) { c0, c1 in
                    next.result.store(rows, c0, c1, productsWithMagnitudes(
                        x, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified: true,
                        prefetching: .none, kernels))
                }
                return
            }
            scratch.0.update(from: x.0, count: n)
            next.activation.apply(to: scratch.0, count: n)
            scratch.1.update(from: x.1, count: n)
            next.activation.apply(to: scratch.1, count: n)
            pairs(k) { c0, c1 in
                next.result.store(rows, c0, c1, productsWithMagnitudes(
                    (UnsafePointer(scratch.0), UnsafePointer(scratch.1)), v + c0 * n, v + c1 * n, m + c0 * n,
                    m + c1 * n, n, rectified: false, prefetching: .none, kernels))
            }
        }
    }

    // MARK: - Row scaffolding

    /// Two rows of a matrix: indices and entries. For an odd row out both are that row.
    typealias RowPair<Pointer> = (Pointer, Pointer)

    /// Rounds (0, 1), (2, 3), …; an odd last round is paired with itself.
    @inline(__always)
    private static func pairs(_ k: Int, _ body: (Int, Int) -> Void) {
        for c0 in stride(from: 0, to: k, by: 2) { body(c0, Swift.min(c0 + 1, k - 1)) }
    }

    /// A pass calling `body(rows, entries, next, scratch)` for every pair of rows of `matrix` (the
    /// kernels take two rows at once; an odd last row of a range comes as a pair of itself), where
    /// `next` is the following pair, for the kernels to prefetch. Each row range gets its own two
    /// scratch rows of `matrix.columns` floats. With no columns every sum is empty:
    /// the zeros the sums start with, so nothing runs.
    private static func rowPass(
        _ matrix: Matrix, rounds k: Int,
        _ body: @escaping (RowPair<Int>, RowPair<UnsafePointer<Float>>, sn_prefetch_rows,
                           RowPair<UnsafeMutablePointer<Float>>) -> Void
    ) -> ParallelRows.Pass {
        let columns = matrix.columns
        return ParallelRows.Pass(rows: columns > 0 ? matrix.rows : 0, columns: columns * k) { range in
            matrix.elements.withUnsafeBufferPointer { m in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * columns)
                defer { scratch.deallocate() }
                let base = m.baseAddress!
                func row(_ index: Int) -> UnsafePointer<Float> { base + index * columns }
                for first in stride(from: range.lowerBound, to: range.upperBound, by: 2) {
                    let second = Swift.min(first + 1, range.upperBound - 1)
                    // The pair after this one, fetched while this one is summed (within this range).
                    let next = first + 2 < range.upperBound
                        ? sn_prefetch_rows(first: row(first + 2), second: row(Swift.min(first + 3, range.upperBound - 1)))
                        : .none
                    body((first, second), (row(first), row(second)), next, (scratch, scratch + columns))
                }
            }
        }
    }

    // MARK: - Kernels

    /// (Σ x·v₀, Σ |x·v₀|, Σ x·v₁, Σ |x·v₁|) over `count` float32 entries x of each row, in float64:
    /// the passes whose bound vector is |v| itself (W·r, Ẑ·r).
    @inline(__always)
    private static func productsAndMagnitudes(_ x: RowPair<UnsafePointer<Float>>, _ v0: UnsafePointer<Double>,
                                              _ v1: UnsafePointer<Double>, _ count: Int,
                                              prefetching next: sn_prefetch_rows,
                                              _ kernels: SketchKernels) -> RowPair<Sums.Four> {
        let sums = sn_products_and_magnitudes(kernels.level, x.0, x.1, v0, v1, count, next)
        return (Sums.four(sums.first), Sums.four(sums.second))
    }

    /// (Σ y·v₀, Σ |y|·a₀, Σ y·v₁, Σ |y|·a₁) over `count` float32 entries x of each row, in float64,
    /// with y = x or, when `rectified`, y = ReLU(x): the input passes, whose bound vector |W|·|r| is
    /// not |W·r|.
    ///
    /// ReLU is applied in registers by clearing every entry whose sign bit is set. That is
    /// `Activation.relu.apply` exactly for every value but a NaN with a clear sign bit, and a NaN in Ẑ
    /// fails Ẑ's own check first, so the next layer's sums are then never reported.
    @inline(__always)
    private static func productsWithMagnitudes(_ x: RowPair<UnsafePointer<Float>>, _ v0: UnsafePointer<Double>,
                                               _ v1: UnsafePointer<Double>, _ a0: UnsafePointer<Double>,
                                               _ a1: UnsafePointer<Double>, _ count: Int,
                                               rectified: Bool, prefetching next: sn_prefetch_rows,
                                               _ kernels: SketchKernels) -> RowPair<Sums.Four> {
        let sums = sn_products_with_magnitudes(kernels.level, x.0, x.1, v0, v1, a0, a1, count, rectified ? 1 : 0, next)
        return (Sums.four(sums.first), Sums.four(sums.second))
    }
}

extension sn_prefetch_rows {
    /// Nothing to prefetch.
    static let none = sn_prefetch_rows(first: nil, second: nil)
}

private extension SketchProducts.Sums {
    /// The C kernels' sums as a Swift tuple.
    static func four(_ sums: sn_row_sums) -> Four { (sums.signed0, sums.magnitude0, sums.signed1, sums.magnitude1) }
}
