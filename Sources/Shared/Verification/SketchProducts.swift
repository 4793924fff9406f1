import CSketchKernels

/// The verifier's matrix–vector products: float32 matrices times k float64 vectors with float64
/// accumulation, together with the absolute-value products the residual bound needs (DESIGN §4).
///
/// Every pass reads its float32 matrix once, a block of rows at a time, widening entries in
/// registers: the former formulation made float64 copies of every operand and of its absolute value
/// per check, which cost more than the products. Rounds are taken two at a time so each loaded entry
/// serves both vectors, and a layer's output is read once for its own check and for the next layer's
/// (`outputPass`). The row kernels are C (`CSketchKernels`), in the widest version the CPU has
/// (`SketchKernels`). The float64 sums run in a different order than `dgemm`'s, which the verifier's
/// γ bounds allow for any order.
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

        /// The sums of rounds c₀ and c₁ of every row of `block`, as the kernels returned them.
        @inline(__always)
        func store(_ block: Range<Int>, _ c0: Int, _ c1: Int, _ sums: sn_block_sums) {
            for (offset, row) in block.enumerated() {
                let four = sums[offset]
                signed[c0 * rows + row] = four.signed0
                magnitude[c0 * rows + row] = four.magnitude0
                signed[c1 * rows + row] = four.signed1
                magnitude[c1 * rows + row] = four.magnitude1
            }
        }
    }

    /// W·r into `result` (and |W|·|r|), for `r` given as k × W.columns.
    static func weightPass(_ w: Matrix, vectors r: [Double], rounds k: Int, into result: Sums,
                           kernels: SketchKernels = .best) -> ParallelRows.Pass {
        rowPass(w, rounds: k) { block, x, next, _ in
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!, n = w.columns
                pairs(k) { c0, c1 in
                    result.store(block, c0, c1, sn_products_and_magnitudes(
                        kernels.level, x, v + c0 * n, v + c1 * n, n, c0 == 0 ? next : .none))
                }
            }
        }
    }

    /// A·(W·r) into `result` (and |A|·(|W|·|r|)) for the first layer's input A, given its weight pass.
    static func inputPass(_ a: Matrix, weights: Sums, rounds k: Int, into result: Sums,
                          kernels: SketchKernels = .best) -> ParallelRows.Pass {
        rowPass(a, rounds: k) { block, x, next, _ in
            let (v, m, n) = (weights.signed, weights.magnitude, a.columns)
            pairs(k) { c0, c1 in
                result.store(block, c0, c1, sn_products_with_magnitudes(
                    kernels.level, x, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, 0, nil, c0 == 0 ? next : .none))
            }
        }
    }

    /// Ẑ·r into `result` (and |Ẑ|·|r|) for a layer's output Ẑ, and in the same pass over Ẑ, when a
    /// layer follows, σ(Ẑ)·(W'·r') and |σ(Ẑ)|·(|W'|·|r'|) into `next.result`: σ(Ẑ) is that layer's
    /// input, rebuilt exactly as the worker computed it (the float32 `Activation.apply`), never as a
    /// whole matrix. The kernels apply ReLU, LeakyReLU and PRelu themselves, in registers: ReLU by
    /// clearing every entry whose sign bit is set, which is `Activation.relu.apply` exactly for every
    /// value but a NaN with a clear sign bit (a NaN in Ẑ fails Ẑ's own check first, so the next
    /// layer's sums are then never reported); LeakyReLU and PRelu as x ≥ 0 ? x : slope·x with one
    /// slope per column (LeakyReLU's alpha in every column), the same float32 multiplication. Any
    /// other activation (none occurs inside a segment) is rebuilt block by block in scratch rows.
    static func outputPass(_ z: Matrix, vectors r: [Double], rounds k: Int, into result: Sums,
                           next: (activation: Activation, weights: Sums, result: Sums)?,
                           kernels: SketchKernels = .best) -> ParallelRows.Pass {
        let slopes = next.flatMap { columnSlopes($0.activation, columns: z.columns) }
        return rowPass(z, rounds: k) { block, x, prefetch, scratch in
            let n = z.columns
            r.withUnsafeBufferPointer { r in
                let v = r.baseAddress!
                pairs(k) { c0, c1 in
                    result.store(block, c0, c1, sn_products_and_magnitudes(
                        kernels.level, x, v + c0 * n, v + c1 * n, n, c0 == 0 ? prefetch : .none))
                }
            }
            guard let next else { return }
            let (v, m) = (next.weights.signed, next.weights.magnitude)
            var input = x, rectified: Int32 = 0
            if next.activation == .relu {
                rectified = 1
            } else if slopes == nil && next.activation != .identity {
                for i in 0..<block.count {
                    let row = scratch + i * n
                    row.update(from: x[i], count: n)
                    next.activation.apply(to: row, count: n)
                }
                input = sn_rows(first: scratch, stride: n, count: block.count)
            }
            (slopes ?? []).withUnsafeBufferPointer { slope in
                pairs(k) { c0, c1 in
                    next.result.store(block, c0, c1, sn_products_with_magnitudes(
                        kernels.level, input, v + c0 * n, v + c1 * n, m + c0 * n, m + c1 * n, n, rectified,
                        slopes == nil ? nil : slope.baseAddress, .none))
                }
            }
        }
    }

    /// The slope of every column for the kernels: LeakyReLU's alpha repeated, PRelu's own slopes
    /// (one per column, as the model decoder checks); nil for every other activation.
    private static func columnSlopes(_ activation: Activation, columns: Int) -> [Float]? {
        switch activation {
        case .leakyRelu(let alpha): return [Float](repeating: alpha, count: columns)
        case .prelu(let slopes):
            precondition(slopes.count == columns, "PRelu with \(slopes.count) slopes for \(columns) columns")
            return slopes
        default: return nil
        }
    }

    // MARK: - Row scaffolding

    /// Rounds (0, 1), (2, 3), …; an odd last round is paired with itself.
    @inline(__always)
    private static func pairs(_ k: Int, _ body: (Int, Int) -> Void) {
        for c0 in stride(from: 0, to: k, by: 2) { body(c0, Swift.min(c0 + 1, k - 1)) }
    }

    /// A pass calling `body(block, rows, next, scratch)` for every block of up to `SN_BLOCK_ROWS`
    /// consecutive rows of `matrix` (the kernels take that many rows at once; a short last block of a
    /// range repeats its last row), where `next` is the following block of the range, for the kernels
    /// to prefetch. Each row range gets its own scratch of `SN_BLOCK_ROWS` rows. With no columns every
    /// sum is empty: the zeros the sums start with, so nothing runs.
    private static func rowPass(
        _ matrix: Matrix, rounds k: Int,
        _ body: @escaping (Range<Int>, sn_rows, sn_rows, UnsafeMutablePointer<Float>) -> Void
    ) -> ParallelRows.Pass {
        let columns = matrix.columns, blockRows = Int(SN_BLOCK_ROWS)
        return ParallelRows.Pass(rows: columns > 0 ? matrix.rows : 0, columns: columns * k) { range in
            matrix.elements.withUnsafeBufferPointer { m in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * columns)
                defer { scratch.deallocate() }
                let base = m.baseAddress!
                func rows(_ block: Range<Int>) -> sn_rows {
                    sn_rows(first: base + block.lowerBound * columns, stride: columns, count: block.count)
                }
                for first in stride(from: range.lowerBound, to: range.upperBound, by: blockRows) {
                    let block = first..<Swift.min(first + blockRows, range.upperBound)
                    let following = block.upperBound..<Swift.min(block.upperBound + blockRows, range.upperBound)
                    body(block, rows(block), following.isEmpty ? .none : rows(following), scratch)
                }
            }
        }
    }

}

extension sn_rows {
    /// No rows: nothing to prefetch.
    static let none = sn_rows(row: (nil, nil, nil, nil))

    /// `count` (1 to `SN_BLOCK_ROWS`) rows `stride` floats apart from `first`, the last repeated to
    /// fill the block.
    init(first: UnsafePointer<Float>, stride: Int, count: Int) {
        precondition((1...Int(SN_BLOCK_ROWS)).contains(count))
        func row(_ i: Int) -> UnsafePointer<Float> { first + Swift.min(i, count - 1) * stride }
        self.init(row: (row(0), row(1), row(2), row(3)))
    }

    /// Row `i` of the block.
    subscript(i: Int) -> UnsafePointer<Float> {
        switch i {
        case 0: row.0!
        case 1: row.1!
        case 2: row.2!
        default: row.3!
        }
    }
}

extension sn_block_sums {
    /// The sums of row `i` of the block.
    subscript(i: Int) -> sn_row_sums {
        switch i {
        case 0: row.0
        case 1: row.1
        case 2: row.2
        default: row.3
        }
    }
}
