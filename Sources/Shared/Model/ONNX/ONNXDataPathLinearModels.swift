/// skl2onnx's linear models (ai.onnx.ml): LinearClassifier and LinearRegressor, one dense layer each.
extension ONNXDataPath {
    /// Scores = X·Cᵀ + intercepts, then post_transform NONE (scores), SOFTMAX (the network's output
    /// normalization) or LOGISTIC (sigmoid per class). The walk ends here: skl2onnx puts only label
    /// ops (Cast, Normalizer, ZipMap) after it, and the label output is one of those tensors.
    ///
    /// A binary classifier with one row of coefficients scores the two classes −s and s, as
    /// onnxruntime does: the layer gets the columns −c and c.
    mutating func appendLinearClassifier(_ node: Onnx_NodeProto) throws -> String {
        guard node.output.count == 2, !node.output[1].isEmpty else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) must have a label and a score output")
        }
        let classes = try (node.intsAttribute("classlabels_ints")?.count)
            ?? node.attribute.first(where: { $0.name == "classlabels_strings" })?.strings.count ?? 0
        let transform = try node.stringAttribute("post_transform", default: "NONE")
        guard ["NONE", "SOFTMAX", "LOGISTIC"].contains(transform) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has post_transform \(transform); NONE, SOFTMAX and LOGISTIC are supported")
        }
        var (weights, bias) = try linearLayer(node, outputs: nil)
        if weights.columns == 1 && classes == 2 {
            (weights, bias) = Self.twoClassScores(weights, bias)
        }
        try append(weights: weights, bias: bias, from: node, layer: layerLabel(node))
        if transform == "SOFTMAX" { outputNormalization = .softmax }
        if transform == "LOGISTIC" { try attach(.sigmoid, from: node) }
        labelTensors.insert(node.output[0])
        tensor = node.output[1]
        return node.output[1]
    }

    /// Y = X·Cᵀ + intercepts with `targets` outputs, post_transform NONE.
    mutating func appendLinearRegressor(_ node: Onnx_NodeProto) throws {
        guard try node.stringAttribute("post_transform", default: "NONE") == "NONE" else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has a post_transform; only NONE is supported")
        }
        let (weights, bias) = try linearLayer(node, outputs: try node.intAttribute("targets", default: 1))
        try append(weights: weights, bias: bias, from: node, layer: layerLabel(node))
    }

    /// The `coefficients` (outputs × inputs, row-major) and `intercepts` attributes as a layer.
    private func linearLayer(_ node: Onnx_NodeProto, outputs fixed: Int?) throws -> (Matrix, [Float]) {
        let layer = layerLabel(node)
        if let rank, rank != 2 {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(layer) gets \(rank)-D data; only samples × features is supported")
        }
        guard let coefficients = try node.floatsAttribute("coefficients"), !coefficients.isEmpty else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(layer) has no coefficients")
        }
        let intercepts = try node.floatsAttribute("intercepts") ?? []
        // Without intercepts, the samples' width says how many rows the coefficients hold.
        let outputs = fixed ?? (intercepts.isEmpty ? features.map { coefficients.count / Swift.max($0, 1) } ?? 1 : intercepts.count)
        guard outputs > 0, coefficients.count % outputs == 0, intercepts.isEmpty || intercepts.count == outputs else {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(layer): \(coefficients.count) coefficients and \(intercepts.count) intercepts do not make \(outputs) outputs")
        }
        let inputs = coefficients.count / outputs
        try checkInputWidth(inputs, layer: layer, stored: "\(outputs)×\(inputs)")
        let weights = Matrix(rows: outputs, columns: inputs, elements: coefficients).transposed()
        return (weights, intercepts.isEmpty ? [Float](repeating: 0, count: outputs) : intercepts)
    }
}
