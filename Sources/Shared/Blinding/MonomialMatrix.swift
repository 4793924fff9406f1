/// A generalized permutation matrix `M = P·D`, stored in O(n).
///
/// Row `i` has its single non-zero entry `scales[i]` in column `permutation[i]`. Products with a dense
/// matrix and the inverse therefore cost O(n) per row or column, never a matrix product (DESIGN §3).
/// Scales are kept in float64 so that a blind/unblind round trip adds only float32 rounding.
public struct MonomialMatrix: Sendable, Equatable, Codable {
    public let permutation: [Int]
    public let scales: [Double]

    /// Validates that `permutation` is a permutation of 0..<n and every scale is finite and non-zero.
    public init(permutation: [Int], scales: [Double]) throws {
        guard permutation.count == scales.count else {
            throw BlindingError.invalidKey("permutation has \(permutation.count) entries, scales \(scales.count)")
        }
        var seen = [Bool](repeating: false, count: permutation.count)
        for target in permutation {
            guard target >= 0, target < permutation.count, !seen[target] else {
                throw BlindingError.invalidKey("not a permutation of 0..<\(permutation.count)")
            }
            seen[target] = true
        }
        guard scales.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw BlindingError.invalidKey("a scale is zero or not finite")
        }
        self.permutation = permutation
        self.scales = scales
    }

    /// The identity of size `n`.
    public static func identity(_ n: Int) -> MonomialMatrix {
        try! MonomialMatrix(permutation: Array(0..<n), scales: [Double](repeating: 1, count: n))
    }

    public var size: Int { permutation.count }

    /// True when every non-zero entry is positive: required wherever a worker applies an activation.
    public var isPositive: Bool { scales.allSatisfy { $0 > 0 } }

    /// `M⁻¹`: entry `1/scales[i]` at row `permutation[i]`, column `i`.
    public var inverse: MonomialMatrix {
        var inversePermutation = [Int](repeating: 0, count: size)
        var inverseScales = [Double](repeating: 0, count: size)
        for i in 0..<size {
            inversePermutation[permutation[i]] = i
            inverseScales[permutation[i]] = 1 / scales[i]
        }
        return try! MonomialMatrix(permutation: inversePermutation, scales: inverseScales)
    }

    /// `left · x · right`, each entry computed in float64 and rounded once to float32.
    ///
    /// With `left` = (l, π) and `right` = (r, ρ): `(L·X·R)[i][ρ(j)] = l_i · X[π(i)][j] · r_j`.
    public static func sandwich(_ left: MonomialMatrix, _ x: Matrix, _ right: MonomialMatrix) -> Matrix {
        sandwich(left, x, right, appendingOnesColumn: false, droppingLastColumn: false)
    }

    /// `left · [x | 1] · right`, or `left · x · right` without its last column, in one pass.
    ///
    /// Blinding appends the homogeneous column and unblinding drops it; building `[x | 1]` or the
    /// full product as a separate matrix would cost another pass over the batch. Every entry is the
    /// same float64 expression as in `sandwich(_:_:_:)` (the appended 1 contributes `l_i · 1 · r_j`),
    /// so the result equals the composed operations bit for bit.
    static func sandwich(_ left: MonomialMatrix, _ x: Matrix, _ right: MonomialMatrix,
                         appendingOnesColumn: Bool, droppingLastColumn: Bool) -> Matrix {
        let rows = x.rows, sourceColumns = x.columns
        let width = sourceColumns + (appendingOnesColumn ? 1 : 0)
        precondition(left.size == rows && right.size == width,
                     "monomial sandwich \(left.size) · \(x.shapeDescription)\(appendingOnesColumn ? " | 1" : "") · \(right.size)")
        precondition(!droppingLastColumn || width > 0)
        let outputColumns = width - (droppingLastColumn ? 1 : 0)
        guard rows > 0, outputColumns > 0 else { return Matrix(rows: rows, columns: outputColumns) }
        // Output column t of every row comes from source column ρ⁻¹(t) times r at that column. Each
        // row is then one sequential write through two small tables; scattering to ρ(j) instead made
        // every store depend on a reloaded index and ran at a third of the speed.
        var sourceColumn = [Int](repeating: 0, count: outputColumns)
        var columnScale = [Double](repeating: 0, count: outputColumns)
        var onesTarget: Int?  // where the appended column of ones lands, if it is kept
        for j in 0..<width where right.permutation[j] < outputColumns {
            let t = right.permutation[j]
            if j == sourceColumns {
                onesTarget = t  // read a valid column in the loop below, then overwrite the entry
            } else {
                sourceColumn[t] = j
            }
            columnScale[t] = right.scales[j]
        }
        let elements = [Float](unsafeUninitializedCapacity: rows * outputColumns) { output, initialized in
            let target = output.baseAddress!
            x.elements.withUnsafeBufferPointer { source in
                left.permutation.withUnsafeBufferPointer { pi in
                    left.scales.withUnsafeBufferPointer { l in
                        sourceColumn.withUnsafeBufferPointer { column in
                            columnScale.withUnsafeBufferPointer { r in
                                // Rows are independent, so they are split across cores.
                                ParallelRows.forEach(rows: rows, columns: width) { range in
                                    for i in range {
                                        let to = target + i * outputColumns
                                        let scale = l[i]
                                        if sourceColumns > 0, let first = source.baseAddress {
                                            let from = first + pi[i] * sourceColumns
                                            for t in 0..<outputColumns {
                                                to[t] = Float(scale * Double(from[column[t]]) * r[t])
                                            }
                                        }
                                        if let ones = onesTarget { to[ones] = Float(scale * 1 * r[ones]) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = rows * outputColumns
        }
        return Matrix(rows: rows, columns: outputColumns, elements: elements)
    }
}
