/// The entry-wise tolerance of `FreivaldsCheck`, derived from the arithmetic (DESIGN §4).
///
/// With u₃₂ = 2⁻²⁴, u₆₄ = 2⁻⁵³, γ_n = n·u/(1 − n·u), K the inner and N the output dimension:
/// - exact (float64 accumulation, one float32 rounding):
///   `ρ₃₂·(|Ẑ||r|) + γ_K·(|A|(|W||r|))` for the worker, where ρ₃₂ = u₃₂/(1 − u₃₂);
/// - fast (float32 `sgemm`): `γ³²_K·(|A|(|W||r|))`;
/// plus the verifier's own float64 error in `Ẑ·r` (γ_N·(|Ẑ||r|)) and in `A·(W·r)`
/// ((γ_N + γ_K + γ_K·γ_N)·(|A|(|W||r|))), an absolute term for float32 underflow, and a relative
/// margin for the rounding in computing the bound itself. Every term is an upper bound, so an honest
/// worker's residual is always ≤ 1 times the limit.
public struct ResidualBound: Sendable {
    public let outputCoefficient: Double
    public let productCoefficient: Double
    public let absoluteCoefficient: Double
    public let margin: Double

    public init(precision: Precision, innerDimension k: Int, outputDimension n: Int) {
        let u32 = 0x1p-24, u64 = 0x1p-53
        func gamma(_ count: Int, _ unit: Double) -> Double {
            let nu = Double(count) * unit
            return nu < 1 ? nu / (1 - nu) : .infinity
        }
        let gammaK64 = gamma(k, u64), gammaN64 = gamma(n, u64)
        let verifierProduct = gammaN64 + gammaK64 + gammaK64 * gammaN64
        switch precision {
        case .exact:
            outputCoefficient = u32 / (1 - u32) + gammaN64
            productCoefficient = gammaK64 + verifierProduct
            // A float32 result in the subnormal range is off by at most half its spacing, 2⁻¹⁵⁰.
            absoluteCoefficient = 0x1p-149
        case .fast:
            outputCoefficient = gammaN64
            productCoefficient = gamma(k, u32) + verifierProduct
            // Each of the K float32 operations may underflow by up to 2⁻¹⁵⁰.
            absoluteCoefficient = Double(k + 1) * 0x1p-149
        }
        // The non-negative sums behind the bound are themselves rounded (relative error ≤ γ_{K+N}).
        margin = 1 + 4 * gamma(k + n + 2, u64)
    }

    /// The limit for one row and round, given `|Ẑ_i|·|r|`, `|A_i|·(|W|·|r|)` and `‖r‖₁`.
    @inlinable
    public func limit(outputTimesR: Double, inputTimesWeightsTimesR: Double, rNorm1: Double) -> Double {
        (outputCoefficient * outputTimesR + productCoefficient * inputTimesWeightsTimesR
            + absoluteCoefficient * rNorm1) * margin
    }
}
