/// The dense layers of the walk: Gemm, MatMul, and the stored tensors they read.
extension ONNXDataPath {
    /// `Y = alpha·A·op(B) + beta·C` with transA = 0; op(B) = Bᵀ when transB = 1 (PyTorch's layout).
    mutating func appendGemmLayer(_ node: Onnx_NodeProto) throws {
        let layer = layerLabel(node)
        guard try node.intAttribute("transA", default: 0) == 0 else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(layer): transA=1 is not supported")
        }
        let transB = try node.intAttribute("transB", default: 0)
        guard transB == 0 || transB == 1 else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(layer): transB=\(transB) is not 0 or 1")
        }
        let alpha = try node.floatAttribute("alpha", default: 1)
        let beta = try node.floatAttribute("beta", default: 1)
        var weights = try weightMatrix(node, layer: layer, isTransposed: transB == 1)
        var bias = try node.optionalInput(2).map { try biasVector(named: $0, of: node, layer: layer, outputs: weights.columns) }
            ?? [Float](repeating: 0, count: weights.columns)
        if alpha != 1 { weights.elements = weights.elements.map { alpha * $0 } }
        if beta != 1 { bias = bias.map { beta * $0 } }
        try append(weights: weights, bias: bias, from: node, layer: layer)
    }

    /// `Y = A·B`, bias zero: the Add that tf2onnx and skl2onnx write after it folds in as the bias.
    mutating func appendMatMulLayer(_ node: Onnx_NodeProto) throws {
        let layer = layerLabel(node)
        let weights = try weightMatrix(node, layer: layer, isTransposed: false)
        try append(weights: weights, bias: [Float](repeating: 0, count: weights.columns), from: node, layer: layer)
    }

    func layerLabel(_ node: Onnx_NodeProto) -> String { "layer \(layers.count + 1) (\(node.opAndLabel))" }

    /// Appends a layer, first folding in the affine map pending on its input.
    mutating func append(weights: Matrix, bias: [Float], from node: Onnx_NodeProto, layer: String) throws {
        var weights = weights, bias = bias
        if let pending = pendingAffine {
            if let width = pending.width, width != weights.rows {
                throw ONNXImportError.Problem(
                    .shapeMismatch,
                    "\(layer): \(pendingNodes.joined(separator: ", ")) before it works on \(width) features, the layer has \(weights.rows) inputs")
            }
            (weights, bias) = pending.folded(intoInputsOf: weights, bias: bias)
            pendingAffine = nil
            pendingNodes = []
        }
        // alpha, beta or a folded scale can push finite weights past float32's range.
        guard weights.isFinite, bias.allSatisfy(\.isFinite) else {
            throw ONNXImportError.Problem(.nonFiniteWeight, "\(layer): a scale folded into it makes a weight infinite")
        }
        layers.append(DenseLayer(weights: weights, bias: bias, activation: .identity,
                                 name: node.name.isEmpty ? node.opAndLabel : node.name))
        activationNodes.append(nil)
        sampleShape = [weights.columns]
    }

    /// The weight (second input) as an inputs × outputs matrix, checked against the samples' width.
    func weightMatrix(_ node: Onnx_NodeProto, layer: String, isTransposed: Bool) throws -> Matrix {
        if let rank, rank != 2 {
            throw ONNXImportError.Problem(
                .unsupportedGraph, "\(layer) gets \(rank)-D data; only samples × features is supported (add Flatten)")
        }
        guard node.input.count >= 2, node.input[1] != tensor else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(layer) must multiply the samples by a weight")
        }
        let weight = try floatTensor(named: node.input[1], role: "weight", of: node)
        guard weight.dims.count == 2 else {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(layer): weight '\(weight.name)' is \(weight.shapeDescription), not a matrix")
        }
        let stored = Matrix(rows: weight.dims[0], columns: weight.dims[1], elements: weight.values)
        let matrix = isTransposed ? stored.transposed() : stored
        try checkInputWidth(matrix.rows, layer: layer, stored: weight.shapeDescription)
        return matrix
    }

    /// Throws when the samples have a known width other than `inputs`.
    func checkInputWidth(_ inputs: Int, layer: String, stored: String) throws {
        if let features, features != inputs {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(layer): weight is \(stored), input has \(features) features")
        }
    }

    /// A bias of `outputs` values: stored as `outputs`, 1×`outputs`, or a scalar broadcast to all.
    func biasVector(named name: String, of node: Onnx_NodeProto, layer: String, outputs: Int) throws -> [Float] {
        guard name != tensor else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(layer): \(node.opAndLabel) adds the samples to themselves")
        }
        let bias = try floatTensor(named: name, role: "bias", of: node)
        switch bias.dims {
        case [], [1]:
            return [Float](repeating: bias.values[0], count: outputs)
        case [outputs], [1, outputs]:
            return bias.values
        default:
            throw ONNXImportError.Problem(
                .shapeMismatch,
                "\(layer): bias '\(name)' is \(bias.shapeDescription), expected \(outputs) (or 1×\(outputs), or a scalar)")
        }
    }

    /// The stored float tensor `name` (an initializer or a Constant node's output).
    func floatTensor(named name: String, role: String, of node: Onnx_NodeProto) throws -> ONNXWeightTensor {
        guard let tensor = graph.initializers[name] else {
            throw ONNXImportError.Problem(
                .weightNotInitializer,
                "\(role) '\(name)' of \(node.opAndLabel) is not an initializer; SecureNets needs stored weights, not computed ones")
        }
        return try ONNXWeightTensor(decoding: tensor, externalData: externalData)
    }

    /// The stored integer tensor `name` (shapes, axes, flags).
    func integerTensor(named name: String, role: String, of node: Onnx_NodeProto) throws -> [Int] {
        guard let tensor = graph.initializers[name] else {
            throw ONNXImportError.Problem(
                .weightNotInitializer,
                "\(role) '\(name)' of \(node.opAndLabel) is not an initializer; SecureNets needs it stored, not computed")
        }
        return try ONNXIntegerTensor(decoding: tensor, externalData: externalData).values
    }
}
