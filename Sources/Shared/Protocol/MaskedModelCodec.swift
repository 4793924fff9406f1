/// Serializes a `QuantizedModel` as a frame of kind `model` (docs/PROTOCOL.md §14.2): the manifest
/// names the mode, the modulus and each layer's bit widths; the tensors are W_q, whose integers
/// (|w| ≤ 2²² − 1) float32 holds exactly. The model's name is the SHA-256 of these bytes.
public enum MaskedModelCodec {
    struct LayerEntry: Codable, Equatable {
        var activationBits: Int
        var weightBits: Int
        enum CodingKeys: String, CodingKey { case activationBits = "activation_bits", weightBits = "weight_bits" }
    }

    struct Manifest: Codable {
        var protocolVersion = MaskedJobManifest.protocolVersion
        var mode = PrivacyMode.masked.rawValue
        var modulus = Int(PrimeField.modulus)
        var layers: [LayerEntry]
        enum CodingKeys: String, CodingKey { case protocolVersion = "protocol", mode, modulus, layers }
    }

    public static func encode(_ model: QuantizedModel) -> [UInt8] {
        let entries = model.layers.map { LayerEntry(activationBits: $0.bitWidths.activationBits, weightBits: $0.bitWidths.weightBits) }
        let tensors = model.layers.map { layer in
            Matrix(rows: layer.weights.rows, columns: layer.weights.columns, elements: layer.weights.values.map(Float.init))
        }
        return FrameCodec.encode(Frame(kind: .model, manifest: ManifestCoding.encode(Manifest(layers: entries)), tensors: tensors))
    }

    /// Decodes a masked model, refusing weights that are not integers within their declared width and
    /// widths that break the exactness or no-wrap bound for their layer (`MaskedBitWidths`).
    public static func decode(_ frame: Frame) throws -> QuantizedModel {
        let manifest = try ManifestCoding.decode(Manifest.self, from: frame.manifest, what: "masked model manifest")
        guard manifest.protocolVersion == MaskedJobManifest.protocolVersion, manifest.mode == PrivacyMode.masked.rawValue,
              manifest.modulus == Int(PrimeField.modulus) else {
            throw ManifestError.invalid("masked model manifest must say protocol \(MaskedJobManifest.protocolVersion), mode masked, modulus \(PrimeField.modulus)")
        }
        guard manifest.layers.count == frame.tensors.count, !frame.tensors.isEmpty else {
            throw ManifestError.invalid("masked model lists \(manifest.layers.count) layers but carries \(frame.tensors.count) tensors")
        }
        let layers = try zip(manifest.layers, frame.tensors).enumerated().map { index, pair -> QuantizedModel.Layer in
            let (entry, tensor) = pair
            let c = MaskedBitWidths.ceilingLog2(max(tensor.rows, 1))
            guard entry.weightBits >= MaskedBitWidths.minimumBits, entry.activationBits >= MaskedBitWidths.minimumBits,
                  c + entry.weightBits <= 23, c + entry.activationBits + entry.weightBits <= 32 else {
                throw ManifestError.invalid("layer \(index): widths a=\(entry.activationBits) w=\(entry.weightBits) break the exactness or no-wrap bound for \(tensor.rows) inputs")
            }
            let limit = Float((1 << (entry.weightBits - 1)) - 1)
            guard tensor.elements.allSatisfy({ $0 == $0.rounded() && abs($0) <= limit }) else {
                throw ManifestError.invalid("layer \(index): weights must be integers of magnitude at most \(Int(limit))")
            }
            let weights = try QuantizedWeights(rows: tensor.rows, columns: tensor.columns, values: tensor.elements.map { Int32($0) })
            return QuantizedModel.Layer(weights: weights,
                                        bitWidths: MaskedBitWidths(activationBits: entry.activationBits, weightBits: entry.weightBits))
        }
        do {
            return try QuantizedModel(layers: layers)
        } catch {
            throw ManifestError.invalid("masked model: \(error)")
        }
    }
}
