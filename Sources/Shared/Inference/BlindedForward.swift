/// The worker's computation: a segment of blinded layers on a blinded batch.
///
/// Returns every blinded pre-activation `Z'_l` of the segment (the verifier checks each one). The
/// activation of every layer but the segment's last is applied here, on blinded values — valid because
/// those activations are positively homogeneous and the keys around them positive (DESIGN §3).
public enum BlindedForward {
    public static func run(input: Matrix, layers: ArraySlice<BlindedLayer>, precision: Precision) throws -> [Matrix] {
        var width = input.columns
        for (offset, layer) in layers.enumerated() {
            guard width == layer.weights.rows else {
                throw BlindingError.shapeMismatch(
                    "layer \(layers.startIndex + offset): input is \(input.rows)×\(width), weights are \(layer.weights.shapeDescription)")
            }
            width = layer.weights.columns
        }
        switch precision {
        case .exact: return ExactForward.run(input: input, layers: layers)
        case .fast: return layerByLayer(input: input, layers: layers, precision: .fast)
        }
    }

    /// Each layer's product in `precision`, then its activation as the next layer's input (every
    /// layer's but the last): the plain composition, for shapes already checked to chain.
    static func layerByLayer(input: Matrix, layers: ArraySlice<BlindedLayer>, precision: Precision) -> [Matrix] {
        var activations = input
        var outputs: [Matrix] = []
        outputs.reserveCapacity(layers.count)
        for (offset, layer) in layers.enumerated() {
            let z = precision.product(activations, layer)
            outputs.append(z)
            if offset < layers.count - 1 { activations = layer.activation.applied(to: z) }
        }
        return outputs
    }
}
