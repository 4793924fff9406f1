/// A network prepared for masked mode: every layer's widths chosen and weights quantized, once.
public struct MaskedModel: Sendable {
    public let layers: [MaskedLayer]
    /// What the producer applies after the last layer's activation: nothing, Softmax or LogSoftmax.
    public let outputNormalization: OutputNormalization

    /// Throws the first layer's `MaskedModeError` (a layer that fits no widths, non-finite parameters).
    public init(network: Network) throws {
        layers = try network.layers.enumerated().map { try MaskedLayer($1, index: $0) }
        outputNormalization = network.outputNormalization
    }

    public var inputCount: Int { layers[0].inputCount }
    public var outputCount: Int { layers[layers.count - 1].outputCount }
}
