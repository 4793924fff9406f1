/// The bit widths of one masked layer: activations are signed integers of `activationBits` bits and
/// weights signed integers of `weightBits` bits, both symmetric (|x_q| ≤ 2^(a−1) − 1, |w_q| ≤ 2^(w−1) − 1).
///
/// Two bounds fix them, for a layer of K inputs and c = ⌈log₂ K⌉ (K is the input count: the bias is
/// not folded into the product, the producer adds it in float after unmasking):
/// - **exactness**: a pool multiplies residues below 2³¹ by weights below 2^(w−1) in float64, so every
///   product and partial sum is an integer below K·2^(30+w) ≤ 2^(c+w+30); `dgemm` is exact when that
///   is ≤ 2⁵³, i.e. **c + w ≤ 23**;
/// - **no wrap-around**: the true product satisfies |Z| ≤ K·(2^(a−1) − 1)(2^(w−1) − 1) < 2^(c+a+w−2);
///   it is recovered from its residue by centring when that is ≤ 2³⁰, i.e. |Z| ≤ (p − 1)/2: **c + a + w ≤ 32**.
///
/// The choice is the widest balanced pair: w = min(⌊(32 − c)/2⌋, 23 − c) and a = 32 − c − w (so
/// a = w for even c; a gets the odd bit, or what exactness takes from w). K = 1024: a = w = 11;
/// K = 4096: 10; K = 16384: 9. A layer is refused when w would drop below `minimumBits`, i.e. K > 2²¹
/// (exactness binds first: at that point the no-wrap bound still leaves a ≥ 9).
public struct MaskedBitWidths: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let activationBits: Int
    public let weightBits: Int

    /// The narrowest signed width that still holds a non-zero value (−1, 0, 1).
    public static let minimumBits = 2

    /// Widths for a layer with `inputCount` inputs; throws `MaskedModeError.layerDoesNotFit` naming
    /// the layer (`index`, `name`) and the bound that fails.
    public static func choose(inputCount: Int, layer index: Int, name: String) throws -> MaskedBitWidths {
        guard inputCount >= 1 else {
            throw MaskedModeError.layerDoesNotFit(layer: index, name: name, inputCount: inputCount,
                                                  reason: "a layer needs at least one input")
        }
        let c = ceilingLog2(inputCount)
        let weightBits = min((32 - c) / 2, 23 - c)
        let activationBits = 32 - c - weightBits
        guard weightBits >= minimumBits else {
            throw MaskedModeError.layerDoesNotFit(
                layer: index, name: name, inputCount: inputCount,
                reason: "an exact float64 product needs ⌈log2 K⌉ + w ≤ 23, which leaves w = \(weightBits) bits (at least \(minimumBits) needed)")
        }
        return MaskedBitWidths(activationBits: activationBits, weightBits: weightBits)
    }

    /// The largest quantized activation magnitude, 2^(a−1) − 1.
    public var activationLimit: Int32 { Int32((1 << (activationBits - 1)) - 1) }

    /// The largest quantized weight magnitude, 2^(w−1) − 1.
    public var weightLimit: Int32 { Int32((1 << (weightBits - 1)) - 1) }

    public var description: String { "a=\(activationBits) w=\(weightBits)" }

    /// ⌈log₂ n⌉ for n ≥ 1 (0 for n = 1).
    static func ceilingLog2(_ n: Int) -> Int {
        n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
    }
}
