/// What both masked-mode pools and the verifier receive of a model: per layer, the quantized weights
/// W_q and the bit widths they were chosen for. No scale, bias or activation: those stay with the
/// producer (`MaskedModel`).
public struct QuantizedModel: Sendable, Equatable {
    public struct Layer: Sendable, Equatable {
        public let weights: QuantizedWeights
        public let bitWidths: MaskedBitWidths

        public init(weights: QuantizedWeights, bitWidths: MaskedBitWidths) {
            self.weights = weights
            self.bitWidths = bitWidths
        }
    }

    public let layers: [Layer]

    /// Throws `MaskedModeError.shape` unless there is a layer and each one's inputs are the previous
    /// one's outputs.
    public init(layers: [Layer]) throws {
        guard !layers.isEmpty else { throw MaskedModeError.shape("a quantized model needs at least one layer") }
        for (index, pair) in zip(layers, layers.dropFirst()).enumerated() where pair.0.weights.columns != pair.1.weights.rows {
            throw MaskedModeError.shape("layer \(index) has \(pair.0.weights.columns) outputs, layer \(index + 1) \(pair.1.weights.rows) inputs")
        }
        self.layers = layers
    }

    /// Bytes of weights held, as the model caches count them.
    public var weightBytes: Int { layers.reduce(0) { $0 + $1.weights.values.count * MemoryLayout<Int32>.size } }
}

extension MaskedModel {
    /// The part of this model that leaves the producer.
    public var quantized: QuantizedModel {
        // `MaskedModel` layers chain by construction (they come from a `Network`).
        try! QuantizedModel(layers: layers.map { QuantizedModel.Layer(weights: $0.weights, bitWidths: $0.bitWidths) })
    }
}
