/// Serializes a `BlindedModel` as a frame of kind `model`: the manifest lists each layer's activation,
/// the tensors are the blinded homogeneous weights, then one slope row per `prelu` layer. The model's
/// name is the SHA-256 of these bytes (docs/PROTOCOL.md §7.1).
///
/// A model without PRelu is written as model protocol 1, byte for byte as before PRelu existed;
/// one with PRelu as protocol 2, so that a reader of protocol 1 refuses it instead of misreading its
/// extra tensors.
public enum ModelCodec {
    struct LayerEntry: Codable, Equatable {
        var activation: String
        var alpha: Float?
    }

    struct Manifest: Codable {
        var protocolVersion: Int
        var layers: [LayerEntry]
        enum CodingKeys: String, CodingKey { case protocolVersion = "protocol", layers }
    }

    /// The model manifest versions this code reads: 1 (no PRelu), 2 (PRelu slope tensors).
    static let supportedProtocols = 1...2

    public static func encode(_ model: BlindedModel) -> [UInt8] {
        var slopeRows: [Matrix] = []
        let entries = model.layers.map { layer -> LayerEntry in
            switch layer.activation {
            case .identity: return LayerEntry(activation: "identity")
            case .relu: return LayerEntry(activation: "relu")
            case .leakyRelu(let alpha): return LayerEntry(activation: "leaky_relu", alpha: alpha)
            case .sigmoid: return LayerEntry(activation: "sigmoid")
            case .tanh: return LayerEntry(activation: "tanh")
            case .prelu(let slopes):
                slopeRows.append(Matrix(rows: 1, columns: slopes.count, elements: slopes))
                return LayerEntry(activation: "prelu")
            // `BlindedModel` sends these as identity (`Activation.sentToWorkers`); a model built
            // by hand with one still encodes: the worker never applies a segment's last activation.
            case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu: return LayerEntry(activation: "identity")
            }
        }
        let manifest = Manifest(protocolVersion: slopeRows.isEmpty ? 1 : 2, layers: entries)
        return FrameCodec.encode(Frame(kind: .model, manifest: ManifestCoding.encode(manifest),
                                       tensors: model.layers.map(\.weights) + slopeRows))
    }

    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> BlindedModel {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .model else { throw ManifestError.invalid("expected a model frame, got \(frame.kind)") }
        return try decode(frame)
    }

    /// Decodes a decoded model frame's manifest and tensors.
    static func decode(_ frame: Frame) throws -> BlindedModel {
        let manifest = try ManifestCoding.decode(Manifest.self, from: frame.manifest, what: "model manifest")
        guard supportedProtocols.contains(manifest.protocolVersion) else {
            throw ManifestError.invalid("model protocol \(manifest.protocolVersion) is not supported (this side reads \(supportedProtocols.lowerBound) to \(supportedProtocols.upperBound))")
        }
        let preluLayers = manifest.layers.filter { $0.activation == "prelu" }.count
        if preluLayers > 0 && manifest.protocolVersion < 2 {
            throw ManifestError.invalid("activation 'prelu' needs model protocol 2, the manifest says \(manifest.protocolVersion)")
        }
        guard manifest.layers.count + preluLayers == frame.tensors.count else {
            throw ManifestError.invalid("model lists \(manifest.layers.count) layers (\(preluLayers) prelu) but carries \(frame.tensors.count) tensors; expected \(manifest.layers.count + preluLayers)")
        }
        var slopeRows = frame.tensors[manifest.layers.count...].makeIterator()
        let layers = try zip(manifest.layers, frame.tensors).enumerated().map { index, pair -> BlindedLayer in
            let (entry, weights) = pair
            guard weights.rows >= 2, weights.columns >= 2, weights.isFinite else {
                throw ManifestError.invalid("model weights must be at least 2×2 and finite")
            }
            let activation: Activation
            switch (entry.activation, entry.alpha) {
            case ("identity", _): activation = .identity
            case ("relu", _): activation = .relu
            case ("leaky_relu", let alpha?) where alpha.isFinite: activation = .leakyRelu(alpha: alpha)
            case ("sigmoid", _): activation = .sigmoid
            case ("tanh", _): activation = .tanh
            case ("prelu", _):
                let slopes = slopeRows.next()!  // one per prelu layer, counted above
                guard slopes.rows == 1, slopes.columns == weights.columns, slopes.isFinite else {
                    throw ManifestError.invalid("layer \(index): prelu slopes are \(slopes.shapeDescription), expected 1×\(weights.columns) finite values")
                }
                activation = .prelu(slopes: slopes.elements)
            default: throw ManifestError.invalid("unknown activation '\(entry.activation)'")
            }
            return BlindedLayer(weights: weights, activation: activation)
        }
        return try BlindedModel(layers: layers)
    }
}
