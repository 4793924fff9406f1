import Foundation

/// Affine maps by stored constants (input standardization, BatchNormalization, Scaler, Add/Sub/
/// Mul/Div), folded into the layer they follow or, before the first layer and after an activation,
/// into the next layer's inputs; and Dropout, a no-op at inference.
extension ONNXDataPath {
    /// Folds `affine` (from `node`) into the last layer's outputs, or keeps it pending for the next
    /// layer's inputs.
    mutating func fold(_ affine: ONNXFeatureAffine, from node: Onnx_NodeProto) throws {
        if let width = affine.width, let features, width != features {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(node.opAndLabel) works on \(width) features, the samples have \(features)")
        }
        if isAtLayerOutput, let last = layers.indices.last {
            let layer = layers[last]
            let (weights, bias) = affine.folded(intoOutputsOf: layer.weights, bias: layer.bias)
            guard weights.isFinite, bias.allSatisfy(\.isFinite) else {
                throw ONNXImportError.Problem(.nonFiniteWeight, "\(node.opAndLabel) folded into layer \(last + 1) makes a weight infinite")
            }
            layers[last] = DenseLayer(weights: weights, bias: bias, activation: .identity, name: layer.name)
            return
        }
        guard let composed = (pendingAffine ?? .identity).then(affine) else {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(node.opAndLabel) and \(pendingNodes.joined(separator: ", ")) before it work on different numbers of features")
        }
        pendingAffine = composed
        pendingNodes.append(node.opAndLabel)
    }

    /// Add, Sub, Mul or Div of the samples and a stored scalar or per-feature vector.
    func elementwiseAffine(_ node: Onnx_NodeProto, op: ONNXOperator) throws -> ONNXFeatureAffine {
        guard node.input.count == 2 else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) must have two inputs")
        }
        let samplesFirst = node.input[0] == tensor
        let other = samplesFirst ? node.input[1] : node.input[0]
        guard other != tensor else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) combines the samples with themselves")
        }
        let constant = try floatTensor(named: other, role: op == .add ? "bias" : "constant", of: node)
        let values = try perFeatureValues(constant, of: node)
        switch (op, samplesFirst) {
        case (.add, _): return ONNXFeatureAffine(scale: [1], shift: values)
        case (.sub, true): return ONNXFeatureAffine(scale: [1], shift: values.map { -$0 })
        case (.sub, false): return ONNXFeatureAffine(scale: [-1], shift: values)
        case (.mul, _): return ONNXFeatureAffine(scale: values, shift: [0])
        case (.div, true):
            guard !values.contains(0) else {
                throw ONNXImportError.Problem(.nonFiniteWeight, "\(node.opAndLabel) divides by zero")
            }
            return ONNXFeatureAffine(scale: values.map { 1 / $0 }, shift: [0])
        default:
            throw ONNXImportError.Problem(
                .unsupportedGraph, "\(node.opAndLabel) divides a constant by the samples, which is not affine")
        }
    }

    /// A constant that acts per feature: a scalar (one value for all) or one value per feature,
    /// stored as n or 1×n. Per-feature vectors need samples × features data.
    func perFeatureValues(_ constant: ONNXWeightTensor, of node: Onnx_NodeProto) throws -> [Double] {
        let values = constant.values.map(Double.init)
        if values.count == 1 && constant.dims.allSatisfy({ $0 == 1 }) { return values }
        guard constant.dims.count == 1 || (constant.dims.count == 2 && constant.dims[0] == 1) else {
            throw ONNXImportError.Problem(
                .unsupportedGraph,
                "\(node.opAndLabel): constant '\(constant.name)' is \(constant.shapeDescription); only a scalar or one value per feature of samples × features data can be folded")
        }
        if let rank, rank != 2 {
            throw ONNXImportError.Problem(
                .unsupportedGraph, "\(node.opAndLabel) gets \(rank)-D data; per-feature constants need samples × features (add Flatten first)")
        }
        return values
    }

    /// y = scale·(x − mean)/√(var + epsilon) + B, per feature (inference mode).
    func batchNormalizationAffine(_ node: Onnx_NodeProto) throws -> ONNXFeatureAffine {
        guard try node.intAttribute("training_mode", default: 0) == 0,
              node.output.dropFirst().allSatisfy({ $0.isEmpty || graph.consumers[$0] == nil }) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) is in training mode; only inference is supported")
        }
        guard try node.intAttribute("spatial", default: 1) == 1 else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has spatial=0, which is not supported")
        }
        let epsilon = Double(try node.floatAttribute("epsilon", default: 1e-5))
        guard node.input.count == 5 else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) must have 5 inputs (X, scale, B, mean, var)")
        }
        let roles = ["scale", "B", "mean", "var"]
        let parameters = try (1...4).map { index -> [Double] in
            let values = try perFeatureValues(try floatTensor(named: node.input[index], role: roles[index - 1], of: node), of: node)
            return values
        }
        let widths = Set(parameters.map(\.count).filter { $0 > 1 })
        guard widths.count <= 1 else {
            throw ONNXImportError.Problem(.shapeMismatch, "\(node.opAndLabel): scale, B, mean and var have different lengths")
        }
        let n = widths.first ?? 1
        func at(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }
        var scale: [Double] = [], shift: [Double] = []
        for i in 0..<n {
            let variance = at(parameters[3], i) + epsilon
            guard variance > 0 else {
                throw ONNXImportError.Problem(.nonFiniteWeight, "\(node.opAndLabel): var + epsilon is not positive for feature \(i)")
            }
            let a = at(parameters[0], i) / variance.squareRoot()
            scale.append(a)
            shift.append(at(parameters[1], i) - at(parameters[2], i) * a)
        }
        return ONNXFeatureAffine(scale: scale, shift: shift)
    }

    /// skl2onnx's StandardScaler: y = (x − offset)·scale.
    func scalerAffine(_ node: Onnx_NodeProto) throws -> ONNXFeatureAffine {
        let offset = (try node.floatsAttribute("offset") ?? [0]).map(Double.init)
        let scale = (try node.floatsAttribute("scale") ?? [1]).map(Double.init)
        guard !offset.isEmpty, !scale.isEmpty else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has an empty offset or scale")
        }
        let shifted = ONNXFeatureAffine(scale: [1], shift: offset.map { -$0 })
        guard let affine = shifted.then(ONNXFeatureAffine(scale: scale, shift: [0])) else {
            throw ONNXImportError.Problem(.shapeMismatch, "\(node.opAndLabel): offset and scale have different lengths")
        }
        return affine
    }

    /// Dropout is the identity at inference: refused only when told to train (a `training_mode`
    /// input that is not a stored false) or when its mask is used.
    func checkDropout(_ node: Onnx_NodeProto) throws {
        if let mode = node.optionalInput(2) {
            guard try integerTensor(named: mode, role: "training_mode", of: node) == [0] else {
                throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) is in training mode; only inference is supported")
            }
        }
        if let mask = node.output.dropFirst().first, !mask.isEmpty, graph.consumers[mask] != nil {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel): its mask output is used; only inference is supported")
        }
    }
}
