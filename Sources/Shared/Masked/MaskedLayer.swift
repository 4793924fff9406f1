/// One layer of a masked model: the quantized weights the pools get, and what only the producer keeps
/// (per-unit weight scales, bias, activation).
public struct MaskedLayer: Sendable {
    /// Position in the network, from 0, and the ONNX node name: for error messages.
    public let index: Int
    public let name: String
    public let bitWidths: MaskedBitWidths
    /// W_q, K × N: shared with both pools and the verifier.
    public let weights: QuantizedWeights
    /// s_j per output unit: never leaves the producer.
    public let weightScales: [Double]
    /// b_j: added by the producer in float after unmasking; never leaves the producer.
    public let bias: [Float]
    /// σ, applied by the producer (any activation `Activation` has).
    public let activation: Activation

    /// Chooses the widths for `layer` (throws `MaskedModeError.layerDoesNotFit`) and quantizes its weights.
    public init(_ layer: DenseLayer, index: Int) throws {
        self.index = index
        name = layer.name
        bitWidths = try MaskedBitWidths.choose(inputCount: layer.inputCount, layer: index, name: layer.name)
        (weights, weightScales) = try WeightQuantization.quantize(layer.weights, bits: bitWidths.weightBits,
                                                                  layer: index, name: layer.name)
        guard layer.bias.allSatisfy(\.isFinite) else {
            throw MaskedModeError.nonFinite(layer: index, name: layer.name, what: "biases")
        }
        bias = layer.bias
        activation = layer.activation
    }

    public var inputCount: Int { weights.rows }
    public var outputCount: Int { weights.columns }
}
