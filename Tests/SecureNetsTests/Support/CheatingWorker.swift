@testable import SecureNets

/// A worker that cheats consistently: it computes a segment the way `BlindedForward` does, but lets
/// a strategy change the operands of every product, or a layer's output before the next layer uses
/// it — so every later layer is honest arithmetic on the altered values and only the altered layer's
/// own check can expose the change.
enum CheatingWorker {
    /// The segment's pre-activations. `operands` maps each layer's input and weights before the
    /// product; `alter(offset, layerInput, &output)` may change layer `offset`'s output.
    static func run(input: Matrix, layers: ArraySlice<BlindedLayer>, precision: Precision,
                    operands: (Matrix) -> Matrix = { $0 },
                    alter: (_ offset: Int, _ layerInput: Matrix, _ output: inout Matrix) -> Void) -> [Matrix] {
        var activations = input
        var outputs: [Matrix] = []
        for (offset, layer) in layers.enumerated() {
            var z = precision.product(operands(activations), operands(layer.weights))
            alter(offset, activations, &z)
            outputs.append(z)
            activations = z
            layer.activation.apply(to: &activations)
        }
        return outputs
    }
}
