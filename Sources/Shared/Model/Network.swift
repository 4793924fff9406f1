/// A feed-forward network of dense layers, optionally ending in a softmax or log-softmax that only
/// the user applies.
///
/// Invariant: each layer's input count equals the previous layer's output count.
public struct Network: Sendable, Equatable {
    public var layers: [DenseLayer]
    /// What the user applies to the last layer's output: nothing, Softmax or LogSoftmax.
    public var outputNormalization: OutputNormalization

    /// True when the model ends in Softmax: outputs are then probabilities instead of logits.
    /// Setting it to false also clears a LogSoftmax.
    public var endsInSoftmax: Bool {
        get { outputNormalization == .softmax }
        set { outputNormalization = newValue ? .softmax : .none }
    }

    public init(layers: [DenseLayer], endsInSoftmax: Bool = false) throws {
        try self.init(layers: layers, outputNormalization: endsInSoftmax ? .softmax : .none)
    }

    /// The network of `layers` whose output the user normalizes with `outputNormalization`.
    ///
    /// - Throws: `ModelError.noLayers`, or `.shapeMismatch` when widths do not chain.
    public init(layers: [DenseLayer], outputNormalization: OutputNormalization) throws {
        guard !layers.isEmpty else { throw ModelError.noLayers }
        for (index, pair) in zip(layers, layers.dropFirst()).enumerated()
        where pair.0.outputCount != pair.1.inputCount {
            throw ModelError.shapeMismatch(
                layer: index + 1, name: pair.1.name,
                detail: "weight is \(pair.1.weights.shapeDescription), previous layer has \(pair.0.outputCount) outputs")
        }
        self.layers = layers
        self.outputNormalization = outputNormalization
    }

    public var inputCount: Int { layers[0].inputCount }
    public var outputCount: Int { layers[layers.count - 1].outputCount }

    /// Layer widths, inputs first: e.g. [784, 1024, 10].
    public var widths: [Int] { [inputCount] + layers.map(\.outputCount) }

    /// Plaintext float32 inference with `sgemm`: the user's local baseline.
    /// Returns logits, or (log-)probabilities when the network ends in (log-)softmax.
    public func forward(_ input: Matrix) throws -> Matrix {
        guard input.columns == inputCount else {
            throw ModelError.inputWidthMismatch(expected: inputCount, actual: input.columns)
        }
        var activations = input
        for layer in layers {
            var z = BLAS.product(activations, layer.weights)
            layer.activation.apply(to: &z, addingBias: layer.bias)
            activations = z
        }
        outputNormalization.apply(to: &activations)
        return activations
    }
}

/// What is wrong with a model, naming the layer or node.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case noLayers
    case shapeMismatch(layer: Int, name: String, detail: String)
    case inputWidthMismatch(expected: Int, actual: Int)
    case nonFiniteParameter(layer: Int, name: String)

    public var description: String {
        switch self {
        case .noLayers: "the model has no dense layers"
        case let .shapeMismatch(layer, name, detail): "layer \(layer) ('\(name)'): \(detail)"
        case let .inputWidthMismatch(expected, actual):
            "the input has \(actual) features per row, the model expects \(expected)"
        case let .nonFiniteParameter(layer, name): "layer \(layer) ('\(name)') has a NaN or infinite parameter"
        }
    }
}
