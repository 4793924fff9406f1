/// The worker's arithmetic, which fixes how tight the verifier's tolerance can be (DESIGN §4).
public enum Precision: String, Sendable, Codable, CaseIterable {
    /// float32 operands widened to float64, `dgemm`, one rounding to float32 per output entry.
    /// Any deviation larger than the float32 rounding of its own row is caught. The default.
    case exact
    /// Plain float32 `sgemm`. About 2× faster, but the tolerance must allow float32 accumulation error
    /// (γ_K in float32), so only gross cheating — zeros, garbage, stale or skipped work, large
    /// changes — is guaranteed to be caught; small targeted changes can pass.
    case fast

    /// The worker's product in this precision.
    public func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        switch self {
        case .exact: BLAS.widenedProduct(a, b)
        case .fast: BLAS.product(a, b)
        }
    }

    /// The worker's product with a blinded layer: the same numbers as `product(a, layer.weights)`,
    /// but exact precision reuses the layer's float64 weights instead of widening them per batch.
    func product(_ a: Matrix, _ layer: BlindedLayer) -> Matrix {
        switch self {
        case .exact:
            precondition(a.columns == layer.weights.rows,
                         "product of \(a.shapeDescription) and \(layer.weights.shapeDescription)")
            return layer.widenedWeights.elements(of: layer.weights).withUnsafeBufferPointer { wide in
                BLAS.widenedProduct(a, widened: wide, columns: layer.weights.columns)
            }
        case .fast: return BLAS.product(a, layer.weights)
        }
    }
}
