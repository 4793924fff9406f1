/// A model as the models stream carries it: monomial-blinded weights for blinded-mode jobs, or the
/// quantized weights W_q of masked mode. Workers and verifiers cache both kinds by digest.
public enum PublishedModel: Sendable, Equatable {
    case blinded(BlindedModel)
    case masked(QuantizedModel)

    /// Decodes a model frame of either kind: a manifest with `"mode": "masked"` is a masked model,
    /// any other a blinded one (whose manifest predates the field).
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> PublishedModel {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .model else { throw ManifestError.invalid("expected a model frame, got \(frame.kind)") }
        struct ModeField: Decodable { var mode: String? }
        switch try ManifestCoding.decode(ModeField.self, from: frame.manifest, what: "model manifest").mode {
        case nil: return .blinded(try ModelCodec.decode(frame))
        case PrivacyMode.masked.rawValue?: return .masked(try MaskedModelCodec.decode(frame))
        case let other?: throw ManifestError.invalid("model manifest names unknown mode '\(other)'")
        }
    }

    /// Bytes of weights held, as the model caches count them.
    public var weightBytes: Int {
        switch self {
        case .blinded(let model): model.layers.reduce(0) { $0 + $1.weights.elements.count * MemoryLayout<Float>.size }
        case .masked(let model): model.weightBytes
        }
    }

    /// "blinded" or "masked", for errors.
    public var mode: PrivacyMode {
        switch self {
        case .blinded: .blinded
        case .masked: .masked
        }
    }
}
