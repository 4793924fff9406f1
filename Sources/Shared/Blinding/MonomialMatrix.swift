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
        precondition(left.size == x.rows && right.size == x.columns,
                     "monomial sandwich \(left.size) · \(x.shapeDescription) · \(right.size)")
        var result = Matrix(rows: x.rows, columns: x.columns)
        let columns = x.columns
        x.elements.withUnsafeBufferPointer { source in
            result.elements.withUnsafeMutableBufferPointer { target in
                right.permutation.withUnsafeBufferPointer { rho in
                    right.scales.withUnsafeBufferPointer { r in
                        for i in 0..<x.rows {
                            let sourceRow = left.permutation[i] * columns
                            let targetRow = i * columns
                            let l = left.scales[i]
                            for j in 0..<columns {
                                target[targetRow + rho[j]] = Float(l * Double(source[sourceRow + j]) * r[j])
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
