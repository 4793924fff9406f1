/// One affine layer `Z = A·W + 1·bᵀ` followed by an activation, in the row convention.
///
/// `weights` is inputs × outputs (the transpose of PyTorch's `weight`), so a batch `A` (B × inputs)
/// maps to `A·weights` (B × outputs).
public struct DenseLayer: Sendable, Equatable {
    public var weights: Matrix
    public var bias: [Float]
    public var activation: Activation
    /// Where the layer came from (ONNX node name), for error messages.
    public var name: String

    public init(weights: Matrix, bias: [Float], activation: Activation, name: String = "") {
        precondition(bias.count == weights.columns,
                     "layer '\(name)': bias has \(bias.count) entries, weights are \(weights.shapeDescription)")
        self.weights = weights
        self.bias = bias
        self.activation = activation
        self.name = name
    }

    public var inputCount: Int { weights.rows }
    public var outputCount: Int { weights.columns }

    /// The homogeneous weight `W̃ = [[W, 0], [bᵀ, 1]]` of size (inputs+1) × (outputs+1): with
    /// `Ã = [A | 1]`, `Ã·W̃ = [A·W + 1bᵀ | 1]`, so the bias rides along in the product.
    public var homogeneousWeights: Matrix {
        let rows = inputCount + 1, columns = outputCount + 1
        var result = Matrix(rows: rows, columns: columns)
        for r in 0..<inputCount {
            for c in 0..<outputCount { result.elements[r * columns + c] = weights.elements[r * outputCount + c] }
        }
        for c in 0..<outputCount { result.elements[inputCount * columns + c] = bias[c] }
        result.elements[rows * columns - 1] = 1
        return result
    }
}
