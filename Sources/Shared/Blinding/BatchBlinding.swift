/// The producer's per-batch work: blind an input with a fresh batch key, unblind a segment's output.
/// Everything here is O(B·n): no matrix product (DESIGN §3).
public enum BatchBlinding {
    /// `Ã' = N·[X | 1]·M`.
    public static func blind(_ x: Matrix, batchKey n: MonomialMatrix, boundaryKey m: MonomialMatrix) throws -> Matrix {
        guard n.size == x.rows, m.size == x.columns + 1 else {
            throw BlindingError.shapeMismatch(
                "input \(x.shapeDescription) with batch key \(n.size) and boundary key \(m.size)")
        }
        return MonomialMatrix.sandwich(n, x, m, appendingOnesColumn: true, droppingLastColumn: false)
    }

    /// `Z = N⁻¹·Z'·M⁻¹` without the homogeneous column.
    public static func unblind(_ z: Matrix, batchKey n: MonomialMatrix, boundaryKey m: MonomialMatrix) throws -> Matrix {
        guard n.size == z.rows, m.size == z.columns else {
            throw BlindingError.shapeMismatch(
                "output \(z.shapeDescription) with batch key \(n.size) and boundary key \(m.size)")
        }
        return MonomialMatrix.sandwich(n.inverse, z, m.inverse, appendingOnesColumn: false, droppingLastColumn: true)
    }
}
