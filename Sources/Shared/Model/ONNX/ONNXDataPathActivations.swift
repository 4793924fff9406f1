/// Activations and the final (log-)softmax of the walk.
extension ONNXDataPath {
    /// The `Activation` a node computes, with ONNX's attribute defaults.
    func activation(of node: Onnx_NodeProto, op: ONNXOperator) throws -> Activation {
        switch op {
        case .relu: return .relu
        case .leakyRelu: return .leakyRelu(alpha: try node.floatAttribute("alpha", default: 0.01))
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .elu: return .elu(alpha: try node.floatAttribute("alpha", default: 1))
        case .selu:
            return .selu(alpha: try node.floatAttribute("alpha", default: 1.67326319217681884765625),
                         gamma: try node.floatAttribute("gamma", default: 1.05070102214813232421875))
        case .softplus: return .softplus
        case .hardSigmoid:
            return .hardSigmoid(alpha: try node.floatAttribute("alpha", default: 0.2),
                                beta: try node.floatAttribute("beta", default: 0.5))
        case .gelu:
            switch try node.stringAttribute("approximate", default: "none") {
            case "none": return .gelu(tanhApproximation: false)
            case "tanh": return .gelu(tanhApproximation: true)
            case let other:
                throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has approximate='\(other)'; expected 'none' or 'tanh'")
            }
        case .clip: return try clip(node)
        case .pRelu: return try prelu(node)
        default:
            throw ONNXImportError.Problem(.unsupportedOp, "\(node.opAndLabel) is not an activation")
        }
    }

    /// Clip with bounds as attributes (opset < 11) or stored scalar inputs (opset ≥ 11); Clip(0, ∞)
    /// is ReLU and runs on workers.
    private func clip(_ node: Onnx_NodeProto) throws -> Activation {
        var low = try node.floatAttribute("min", default: -.greatestFiniteMagnitude)
        var high = try node.floatAttribute("max", default: .greatestFiniteMagnitude)
        func bound(_ index: Int, _ role: String) throws -> Float? {
            guard let name = node.optionalInput(index) else { return nil }
            let value = try floatTensor(named: name, role: role, of: node)
            guard value.values.count == 1 else {
                throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel): \(role) '\(name)' is not a scalar")
            }
            return value.values[0]
        }
        if let value = try bound(1, "min") { low = value }
        if let value = try bound(2, "max") { high = value }
        guard low <= high else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "\(node.opAndLabel) has min \(low) above max \(high)")
        }
        if low == 0 && high == .greatestFiniteMagnitude { return .relu }
        return .clip(min: low, max: high)
    }

    /// PRelu with a stored slope: one slope for all units is LeakyRelu; one per unit (n or 1×n) is
    /// PRelu with per-unit slopes. Both run on workers in chained blinded mode.
    private func prelu(_ node: Onnx_NodeProto) throws -> Activation {
        guard let name = node.optionalInput(1) else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has no slope input")
        }
        let slope = try floatTensor(named: name, role: "slope", of: node)
        let values = try perFeatureValues(slope, of: node)
        let slopes = values.map { Float($0) }
        if slopes.allSatisfy({ $0 == slopes[0] }) { return .leakyRelu(alpha: slopes[0]) }
        if let last = layers.last, last.outputCount != slopes.count {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(node.opAndLabel): slope '\(name)' has \(slopes.count) values, the layer has \(last.outputCount) outputs")
        }
        return .prelu(slopes: slopes)
    }

    mutating func attach(_ activation: Activation, from node: Onnx_NodeProto) throws {
        try attach(activation, label: node.opAndLabel)
    }

    /// Sets the activation of the last layer; `label` names the node(s) in errors.
    mutating func attach(_ activation: Activation, label: String) throws {
        guard let last = layers.indices.last else {
            throw ONNXImportError.Problem(
                .activationWithoutLayer, "\(label) has no Gemm or MatMul layer before it to apply to")
        }
        if let previous = activationNodes[last] {
            let between = pendingNodes.isEmpty ? "with no layer between them" : "with only \(pendingNodes.joined(separator: ", ")) between them"
            throw ONNXImportError.Problem(
                .consecutiveActivations,
                "\(label) follows \(previous) \(between); two activations in a row are not supported")
        }
        if rank != 2 && rank != nil {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(label) gets \(rank ?? 0)-D data; only samples × features is supported")
        }
        layers[last].activation = activation
        activationNodes[last] = label
    }

    /// Softmax and LogSoftmax over each sample, last.
    func checkNormalization(_ node: Onnx_NodeProto) throws {
        guard !layers.isEmpty else {
            throw ONNXImportError.Problem(
                .activationWithoutLayer, "\(node.opAndLabel) has no Gemm or MatMul layer before it to apply to")
        }
        if let pendingAffine, pendingAffine != .identity {
            throw ONNXImportError.Problem(
                .unsupportedGraph, "\(pendingNodes.joined(separator: ", ")) before \(node.opAndLabel) cannot be folded into a layer")
        }
        // The default axis changed from 1 to -1 in opset 13; on samples × classes both mean "per row".
        let axis = try node.intAttribute("axis", default: -1)
        guard axis == 1 || axis == -1 else {
            throw ONNXImportError.Problem(
                .unsupportedAttribute, "\(node.opAndLabel) has axis \(axis); only a softmax over each sample (axis 1 or -1) is supported")
        }
    }
}
