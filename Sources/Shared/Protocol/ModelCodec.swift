/// Serializes a `BlindedModel` as a frame of kind `model`: the manifest lists each layer's activation,
/// the tensors are the blinded homogeneous weights. The model's name is the SHA-256 of these bytes.
public enum ModelCodec {
    struct LayerEntry: Codable, Equatable {
        var activation: String
        var alpha: Float?
    }

    struct Manifest: Codable {
        var protocolVersion = 1
        var layers: [LayerEntry]
        enum CodingKeys: String, CodingKey { case protocolVersion = "protocol", layers }
    }

    public static func encode(_ model: BlindedModel) -> [UInt8] {
        let entries = model.layers.map { layer -> LayerEntry in
            switch layer.activation {
            case .identity: LayerEntry(activation: "identity")
            case .relu: LayerEntry(activation: "relu")
            case .leakyRelu(let alpha): LayerEntry(activation: "leaky_relu", alpha: alpha)
            case .sigmoid: LayerEntry(activation: "sigmoid")
            case .tanh: LayerEntry(activation: "tanh")
            // `BlindedModel` sends these as identity (`Activation.asSentToWorkers`); a model built
            // by hand with one still encodes: the worker never applies a segment's last activation.
            case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu, .prelu: LayerEntry(activation: "identity")
            }
        }
        return FrameCodec.encode(Frame(kind: .model, manifest: ManifestCoding.encode(Manifest(layers: entries)),
                                       tensors: model.layers.map(\.weights)))
    }

    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> BlindedModel {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .model else { throw ManifestError.invalid("expected a model frame, got \(frame.kind)") }
        return try decode(frame)
    }

    /// Decodes a decoded model frame's manifest and tensors.
    static func decode(_ frame: Frame) throws -> BlindedModel {
        let manifest = try ManifestCoding.decode(Manifest.self, from: frame.manifest, what: "model manifest")
        guard manifest.layers.count == frame.tensors.count else {
            throw ManifestError.invalid("model lists \(manifest.layers.count) layers but carries \(frame.tensors.count) tensors")
        }
        let layers = try zip(manifest.layers, frame.tensors).map { entry, weights -> BlindedLayer in
            let activation: Activation
            switch (entry.activation, entry.alpha) {
            case ("identity", _): activation = .identity
            case ("relu", _): activation = .relu
            case ("leaky_relu", let alpha?) where alpha.isFinite: activation = .leakyRelu(alpha: alpha)
            case ("sigmoid", _): activation = .sigmoid
            case ("tanh", _): activation = .tanh
            default: throw ManifestError.invalid("unknown activation '\(entry.activation)'")
            }
            guard weights.rows >= 2, weights.columns >= 2, weights.isFinite else {
                throw ManifestError.invalid("model weights must be at least 2×2 and finite")
            }
            return BlindedLayer(weights: weights, activation: activation)
        }
        return try BlindedModel(layers: layers)
    }
}
