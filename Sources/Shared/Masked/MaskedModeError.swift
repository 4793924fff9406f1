/// What went wrong in masked mode, naming the layer, the pool or the input.
public enum MaskedModeError: Error, Equatable, CustomStringConvertible {
    /// No bit widths satisfy both bounds for this layer (`MaskedBitWidths.choose`).
    case layerDoesNotFit(layer: Int, name: String, inputCount: Int, reason: String)
    /// A matrix's shape does not match its element count or its partner's shape.
    case shape(String)
    /// `count` entries of `what` are p or more: not residues mod p.
    case notResidues(what: String, count: Int)
    /// Quantized weights outside what the exact product supports.
    case weightOutOfRange(String)
    /// A layer's weights or input activations hold NaN or ±Inf, which cannot be quantized.
    case nonFinite(layer: Int, name: String, what: String)
    /// A mask seed that is not 32 bytes.
    case seedLength(Int)
    /// A pool's product failed the exact mod-p check.
    case verificationFailed(batch: Int, layer: Int, pool: MaskedPool, reason: String)

    public var description: String {
        switch self {
        case let .layerDoesNotFit(layer, name, inputCount, reason):
            "layer \(layer) ('\(name)') with \(inputCount) inputs does not fit masked mode: \(reason)"
        case let .shape(detail): "shape: \(detail)"
        case let .notResidues(what, count): "\(what): \(count) entries are not residues mod 2^31-1 (at least p)"
        case let .weightOutOfRange(detail): "quantized weights: \(detail)"
        case let .nonFinite(layer, name, what): "layer \(layer) ('\(name)'): \(what) hold NaN or infinite values"
        case let .seedLength(count): "a mask seed has 32 bytes, got \(count)"
        case let .verificationFailed(batch, layer, pool, reason):
            "batch \(batch), layer \(layer), \(pool) pool failed the mod-p check: \(reason)"
        }
    }
}
