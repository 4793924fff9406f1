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
        let rows = inputCount + 1, columns = outputCount + 1, outputs = outputCount
        // Row copies over raw buffers: element-wise subscripting of `elements` re-checks bounds and
        // uniqueness per entry, which made this copy a noticeable part of blinding a model.
        let elements = [Float](unsafeUninitializedCapacity: rows * columns) { target, initialized in
            let out = target.baseAddress!
            weights.elements.withUnsafeBufferPointer { w in
                for r in 0..<inputCount {
                    if let source = w.baseAddress { (out + r * columns).update(from: source + r * outputs, count: outputs) }
                    out[r * columns + outputs] = 0
                }
            }
            bias.withUnsafeBufferPointer { b in
                if let source = b.baseAddress { (out + inputCount * columns).update(from: source, count: outputs) }
            }
            out[rows * columns - 1] = 1
            initialized = rows * columns
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}
