/// The dense layers of an ONNX graph, found by following the data from the graph input node by
/// node until the final Softmax or the end of the chain.
///
/// The walk accepts exactly what DESIGN §6 promises: Gemm (PyTorch), MatMul + Add (Keras via
/// tf2onnx, skl2onnx), the activations of `Activation`, Identity, Flatten and Cast as no-ops on
/// samples × features data, and one final Softmax after which only ops that turn probabilities into
/// labels may follow. Every other arrangement is refused with a message naming the node.
struct ONNXDataPath {
    private(set) var layers: [DenseLayer] = []
    private(set) var endsInSoftmax = false

    private let graph: ONNXGraphIndex
    /// The tensor that carries the samples at this point of the walk.
    private var tensor: String
    /// The rank of `tensor` when the graph declares it.
    private var rank: Int?
    /// The features per sample of `tensor` once flattened, when known.
    private var features: Int?
    /// For each layer, the activation node applied to it (`Relu 'r1'`), nil while it has none.
    private var activationNodes: [String?] = []
    private var visited = Set<Int>()

    /// Walks `graph` from its data input.
    ///
    /// Throws `ONNXImportError.Problem` for anything outside the supported chain of layers.
    init(walking graph: ONNXGraphIndex) throws {
        self.graph = graph
        tensor = graph.dataInput.name
        if let shape = graph.declaredInputShape {
            guard shape.count >= 2 else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph,
                    "input '\(tensor)' has rank \(shape.count); SecureNets expects samples × features")
            }
            rank = shape.count
            // With every per-sample dimension known, this is the width after Flatten(axis 1).
            let perSample = shape.dropFirst()
            if !perSample.contains(nil) {
                guard let width = TensorLimits.elementCount(of: perSample.compactMap { $0 }) else {
                    throw ONNXImportError.Problem(
                        .tooLarge, "input '\(tensor)' declares more than \(TensorLimits.maxElements) features per sample")
                }
                features = width
            }
        }
        let softmaxOutput = try followDataPath()
        guard !layers.isEmpty else {
            throw ONNXImportError.Problem(
                .emptyGraph, "no Gemm or MatMul layer on the data path from input '\(graph.dataInput.name)'")
        }
        try checkRemainingNodes(softmaxOutput: softmaxOutput)
    }

    /// Follows the data until it ends or reaches Softmax; returns the Softmax output if any.
    private mutating func followDataPath() throws -> String? {
        while let position = try nextNode() {
            visited.insert(position)
            let node = graph.nodes[position]
            let op = graph.operators[position]
            guard node.input.first == tensor, let output = node.output.first, !output.isEmpty else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) must take the samples as its first input and have an output")
            }
            switch op {
            case .gemm:
                try appendGemmLayer(node)
            case .matMul:
                try appendMatMulLayer(node)
                continue  // the MatMul may have taken its Add along: `tensor` is already set
            case .relu:
                try attach(.relu, from: node)
            case .leakyRelu:
                try attach(.leakyRelu(alpha: try node.floatAttribute("alpha", default: 0.01)), from: node)
            case .sigmoid:
                try attach(.sigmoid, from: node)
            case .tanh:
                try attach(.tanh, from: node)
            case .identity:
                break
            case .cast:
                // skl2onnx casts its input to float; a cast to anything else would change the numbers.
                guard try node.intAttribute("to", default: 0) == Onnx_TensorProto.DataType.float.rawValue else {
                    throw ONNXImportError.Problem(
                        .unsupportedAttribute, "\(node.opAndLabel) casts to a type other than float on the data path")
                }
            case .flatten:
                try flatten(node)
            case .softmax:
                try checkSoftmax(node)
                endsInSoftmax = true
                return output
            case .add:
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is not a bias added to a MatMul (only MatMul + Add is supported)")
            case .argMax, .arrayFeatureExtractor, .reshape, .zipMap:
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is only supported after the final Softmax")
            }
            tensor = output
        }
        return nil
    }

    /// The one node that reads the samples now, nil at the end of the chain.
    private func nextNode() throws -> Int? {
        let readers = graph.consumers[tensor] ?? []
        guard readers.count <= 1 else {
            let names = readers.map { graph.nodes[$0].opAndLabel }.joined(separator: ", ")
            throw ONNXImportError.Problem(
                .unsupportedGraph,
                "tensor '\(tensor)' feeds \(readers.count) nodes (\(names)); SecureNets imports a single chain of layers")
        }
        guard let position = readers.first else { return nil }
        guard !visited.contains(position) else {
            throw ONNXImportError.Problem(.unsupportedGraph, "the graph has a cycle through \(graph.nodes[position].opAndLabel)")
        }
        return position
    }

    // MARK: Layers

    /// `Y = alpha·A·op(B) + beta·C` with transA = 0; op(B) = Bᵀ when transB = 1 (PyTorch's layout).
    private mutating func appendGemmLayer(_ node: Onnx_NodeProto) throws {
        let layer = "layer \(layers.count + 1) (\(node.opAndLabel))"
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
        let biasName = node.input.count > 2 ? node.input[2] : ""
        var bias = biasName.isEmpty
            ? [Float](repeating: 0, count: weights.columns)
            : try biasVector(named: biasName, of: node, layer: layer, outputs: weights.columns)
        if alpha != 1 { weights.elements = weights.elements.map { alpha * $0 } }
        if beta != 1 { bias = bias.map { beta * $0 } }
        try append(weights: weights, bias: bias, from: node, layer: layer)
    }

    /// `Y = A·B`, with the bias of an Add that is the MatMul's only reader (tf2onnx, skl2onnx).
    private mutating func appendMatMulLayer(_ node: Onnx_NodeProto) throws {
        let layer = "layer \(layers.count + 1) (\(node.opAndLabel))"
        let weights = try weightMatrix(node, layer: layer, isTransposed: false)
        var bias = [Float](repeating: 0, count: weights.columns)
        tensor = node.output[0]
        if let addPosition = graph.consumers[tensor]?.first, graph.consumers[tensor]?.count == 1,
           graph.operators[addPosition] == .add, !visited.contains(addPosition) {
            let add = graph.nodes[addPosition]
            let others = add.input.filter { $0 != tensor }
            guard add.input.count == 2, others.count == 1, let output = add.output.first, !output.isEmpty else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(add.opAndLabel) after \(layer) must add one bias to the product")
            }
            bias = try biasVector(named: others[0], of: add, layer: layer, outputs: weights.columns)
            visited.insert(addPosition)
            tensor = output
        }
        try append(weights: weights, bias: bias, from: node, layer: layer)
    }

    private mutating func append(weights: Matrix, bias: [Float], from node: Onnx_NodeProto, layer: String) throws {
        // alpha or beta can push finite weights past float32's range.
        guard weights.isFinite, bias.allSatisfy(\.isFinite) else {
            throw ONNXImportError.Problem(.nonFiniteWeight, "\(layer): alpha or beta scales a weight to infinity")
        }
        layers.append(DenseLayer(weights: weights, bias: bias, activation: .identity,
                                 name: node.name.isEmpty ? node.opAndLabel : node.name))
        activationNodes.append(nil)
        rank = 2
        features = weights.columns
    }

    /// The weight initializer (second input) as an inputs × outputs matrix, checked against the
    /// samples' width.
    private func weightMatrix(_ node: Onnx_NodeProto, layer: String, isTransposed: Bool) throws -> Matrix {
        if let rank, rank != 2 {
            throw ONNXImportError.Problem(
                .unsupportedGraph, "\(layer) gets \(rank)-D data; only samples × features is supported (add Flatten)")
        }
        guard node.input.count >= 2, node.input[1] != tensor else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(layer) must multiply the samples by a weight")
        }
        let weight = try initializer(named: node.input[1], role: "weight", of: node)
        guard weight.dims.count == 2 else {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(layer): weight '\(weight.name)' is \(weight.shapeDescription), not a matrix")
        }
        let stored = Matrix(rows: weight.dims[0], columns: weight.dims[1], elements: weight.values)
        let matrix = isTransposed ? stored.transposed() : stored
        if let features, features != matrix.rows {
            throw ONNXImportError.Problem(
                .shapeMismatch, "\(layer): weight is \(weight.shapeDescription), input has \(features) features")
        }
        return matrix
    }

    /// A bias of `outputs` values: stored as `outputs`, 1×`outputs`, or a scalar broadcast to all.
    private func biasVector(named name: String, of node: Onnx_NodeProto, layer: String, outputs: Int) throws -> [Float] {
        guard name != tensor else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(layer): \(node.opAndLabel) adds the samples to themselves")
        }
        let bias = try initializer(named: name, role: "bias", of: node)
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

    private func initializer(named name: String, role: String, of node: Onnx_NodeProto) throws -> ONNXWeightTensor {
        guard let tensor = graph.initializers[name] else {
            throw ONNXImportError.Problem(
                .weightNotInitializer,
                "\(role) '\(name)' of \(node.opAndLabel) is not an initializer; SecureNets needs stored weights, not computed ones")
        }
        return try ONNXWeightTensor(decoding: tensor)
    }

    // MARK: Activations and shape ops

    private mutating func attach(_ activation: Activation, from node: Onnx_NodeProto) throws {
        guard let last = layers.indices.last else {
            throw ONNXImportError.Problem(
                .activationWithoutLayer, "\(node.opAndLabel) has no Gemm or MatMul layer before it to apply to")
        }
        if let previous = activationNodes[last] {
            throw ONNXImportError.Problem(
                .consecutiveActivations,
                "\(node.opAndLabel) follows \(previous) with no layer between them; two activations in a row are not supported")
        }
        layers[last].activation = activation
        activationNodes[last] = node.opAndLabel
    }

    /// Flatten(axis 1) turns N × d₁ × … into N × (d₁·…): in row-major order the numbers do not move,
    /// so it only changes the rank the walk tracks.
    private mutating func flatten(_ node: Onnx_NodeProto) throws {
        let axis = try node.intAttribute("axis", default: 1)
        guard axis == 1 || (axis == -1 && rank == 2) else {
            throw ONNXImportError.Problem(
                .unsupportedAttribute, "\(node.opAndLabel) has axis \(axis); only Flatten(axis 1) of samples is supported")
        }
        rank = 2
    }

    private func checkSoftmax(_ node: Onnx_NodeProto) throws {
        guard !layers.isEmpty else {
            throw ONNXImportError.Problem(
                .activationWithoutLayer, "\(node.opAndLabel) has no Gemm or MatMul layer before it to apply to")
        }
        // The default axis changed from 1 to -1 in opset 13; on samples × classes both mean "per row".
        let axis = try node.intAttribute("axis", default: -1)
        guard axis == 1 || axis == -1 else {
            throw ONNXImportError.Problem(
                .unsupportedAttribute, "\(node.opAndLabel) has axis \(axis); only a softmax over each sample (axis 1 or -1) is supported")
        }
    }

    /// Every node off the data path must be a label op fed (directly or not) by the final Softmax.
    private func checkRemainingNodes(softmaxOutput: String?) throws {
        var labelTensors: Set<String> = softmaxOutput.map { [$0] } ?? []
        for position in graph.nodes.indices where !visited.contains(position) {
            let node = graph.nodes[position]
            let readsProbabilities = node.input.contains(where: labelTensors.contains)
            if readsProbabilities && graph.operators[position].mapsProbabilitiesToLabels {
                labelTensors.formUnion(node.output)
            } else if readsProbabilities {
                throw ONNXImportError.Problem(
                    .unsupportedGraph,
                    "\(node.opAndLabel) uses the output of Softmax; Softmax must be final (only ArgMax, ArrayFeatureExtractor, Reshape, Cast, ZipMap and Identity may follow it)")
            } else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is not on the data path from input '\(graph.dataInput.name)'")
            }
        }
    }
}
