/// The two worker pools of masked mode, which must not collude (DESIGN §8).
///
/// - `data`: receives X̂ = (X_q + R) mod p, a one-time pad of the quantized data, and returns
///   Z_A = X̂ · W_q mod p.
/// - `mask`: receives only the seed of R and the row count, and returns Z_B = R · W_q mod p.
///
/// Both hold the quantized weights W_q; neither sees a scale, a bias, or the other's input.
public enum MaskedPool: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case data
    case mask

    public var description: String { rawValue }
}

/// What one pool receives for one batch and layer.
public enum PoolInput: Sendable, Equatable {
    /// The data pool's X̂ (B × K residues).
    case masked(ResidueMatrix)
    /// The mask pool's seed of R and R's row count B (R is B × K).
    case seed(MaskSeed, rows: Int)

    /// The pool this input is for.
    public var pool: MaskedPool {
        switch self {
        case .masked: .data
        case .seed: .mask
        }
    }

    /// The left operand of the pool's product, `columns` (= K) wide: X̂ itself, or R expanded from its
    /// seed. The verifier expands it the same way.
    public func operand(columns: Int) throws -> ResidueMatrix {
        switch self {
        case .masked(let x):
            guard x.columns == columns else {
                throw MaskedModeError.shape("masked input is \(x.shapeDescription), the layer has \(columns) inputs")
            }
            return x
        case let .seed(seed, rows):
            let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
            guard rows >= 0, !overflow, count <= TensorLimits.maxElements else {
                throw MaskedModeError.shape("a mask of \(rows)×\(columns) exceeds the tensor limit")
            }
            return MaskStream(seed: seed).matrix(rows: rows, columns: columns)
        }
    }

    /// The pool's work: operand · W mod p (`ModPProduct`).
    public func compute(weights: QuantizedWeights) throws -> ResidueMatrix {
        try ModPProduct.multiply(operand(columns: weights.rows), weights)
    }
}
