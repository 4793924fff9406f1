/// The dense layers of an ONNX graph, found by following the data from the graph input node by
/// node until the output normalization or the end of the chain.
///
/// The walk accepts what docs/MODELS.md lists: layers (Gemm, MatMul, skl2onnx's LinearClassifier
/// and LinearRegressor), affine maps by constants folded into the layer before or after them
/// (Add/Sub/Mul/Div, BatchNormalization, Scaler), the activations of `Activation` (Gelu also as
/// its Erf and tanh decompositions), shape and type no-ops on samples × features data (Identity,
/// Dropout, Flatten, Reshape, Squeeze, Unsqueeze, Cast to float), and one final Softmax or
/// LogSoftmax (or skl2onnx's binary tail Sigmoid, Sub(1, p), Concat(1 − p, p)) after which only ops
/// that turn probabilities into labels may follow. Every other
/// arrangement is refused with a message naming the node.
struct ONNXDataPath {
    var layers: [DenseLayer] = []
    var outputNormalization = OutputNormalization.none

    let graph: ONNXGraphIndex
    let externalData: ONNXExternalData
    /// The tensor that carries the samples at this point of the walk.
    var tensor: String
    /// The per-sample dimensions of `tensor` (without the batch), nil entries unknown; nil when
    /// not even the rank is known (an input without a declared shape).
    var sampleShape: [Int?]?
    /// For each layer, the activation node applied to it (`Relu 'r1'`), nil while it has none.
    var activationNodes: [String?] = []
    /// An affine map on the samples not yet folded into a layer (before the first layer, or after
    /// an activation), and the nodes it came from.
    var pendingAffine: ONNXFeatureAffine?
    var pendingNodes: [String] = []
    /// Tensors besides the final output that label ops may read (LinearClassifier's label output).
    var labelTensors: Set<String> = []
    var visited = Set<Int>()

    /// The rank of `tensor` when known.
    var rank: Int? { sampleShape.map { $0.count + 1 } }
    /// The features per sample of `tensor` once flattened, when known.
    var features: Int? {
        guard let sampleShape, !sampleShape.contains(nil) else { return nil }
        return TensorLimits.elementCount(of: sampleShape.compactMap { $0 })
    }
    /// True when `tensor` is the last layer's output before any activation: an affine map here
    /// folds into that layer's weights and bias.
    var isAtLayerOutput: Bool {
        guard let last = activationNodes.indices.last else { return false }
        return activationNodes[last] == nil && pendingAffine == nil
    }

    /// Walks `graph` from its data input, reading external tensors through `externalData`.
    ///
    /// Throws `ONNXImportError.Problem` for anything outside the supported chain of layers.
    init(walking graph: ONNXGraphIndex, externalData: ONNXExternalData = ONNXExternalData(folder: nil)) throws {
        self.graph = graph
        self.externalData = externalData
        tensor = graph.dataInput.name
        if let shape = graph.declaredInputShape {
            guard shape.count >= 2 else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph,
                    "input '\(tensor)' has rank \(shape.count); SecureNets expects samples × features")
            }
            let perSample = Array(shape.dropFirst())
            if !perSample.contains(nil), TensorLimits.elementCount(of: perSample.compactMap { $0 }) == nil {
                throw ONNXImportError.Problem(
                    .tooLarge, "input '\(tensor)' declares more than \(TensorLimits.maxElements) features per sample")
            }
            sampleShape = perSample
        }
        let finalOutput = try followDataPath()
        guard !layers.isEmpty else {
            throw ONNXImportError.Problem(
                .emptyGraph, "no Gemm or MatMul layer on the data path from input '\(graph.dataInput.name)'")
        }
        if let pendingAffine, pendingAffine != .identity {
            throw ONNXImportError.Problem(
                .unsupportedGraph,
                "\(pendingNodes.joined(separator: ", ")) after the last activation cannot be folded into a layer")
        }
        try checkRemainingNodes(finalOutput: finalOutput)
    }

    /// Follows the data until it ends or reaches the output normalization; returns the tensor that
    /// label ops may read then (nil when the data path simply ends).
    private mutating func followDataPath() throws -> String? {
        while true {
            if try matchGeluDecomposition() { continue }
            if try matchGeluTanhDecomposition() { continue }
            if let probabilities = try matchBinaryClassifierTail() { return probabilities }
            guard let position = try nextNode() else { return nil }
            visited.insert(position)
            let node = graph.nodes[position]
            let op = graph.operators[position]
            guard let output = node.output.first, !output.isEmpty, node.input.contains(tensor) else {
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) must take the samples as an input and have an output")
            }
            if ![.add, .sub, .mul, .div].contains(op) && node.input.first != tensor {
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) must take the samples as its first input")
            }
            switch op {
            case .gemm:
                try appendGemmLayer(node)
            case .matMul:
                try appendMatMulLayer(node)
            case .linearClassifier:
                return try appendLinearClassifier(node)
            case .linearRegressor:
                try appendLinearRegressor(node)
            case .add, .sub, .mul, .div:
                try fold(try elementwiseAffine(node, op: op), from: node)
            case .batchNormalization:
                try fold(try batchNormalizationAffine(node), from: node)
            case .scaler:
                try fold(try scalerAffine(node), from: node)
            case .relu, .leakyRelu, .pRelu, .sigmoid, .tanh, .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu:
                try attach(try activation(of: node, op: op), from: node)
            case .erf:
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is only supported inside Gelu's decomposition x·0.5·(1 + erf(x/√2))")
            case .pow:
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is only supported inside Gelu's tanh decomposition 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))")
            case .identity:
                break
            case .dropout:
                try checkDropout(node)
            case .cast:
                // skl2onnx casts its input to float; a cast to anything else would change the numbers.
                guard try node.intAttribute("to", default: 0) == Onnx_TensorProto.DataType.float.rawValue else {
                    throw ONNXImportError.Problem(
                        .unsupportedAttribute, "\(node.opAndLabel) casts to a type other than float on the data path")
                }
            case .flatten:
                try flatten(node)
            case .reshape:
                try reshape(node)
            case .squeeze:
                try squeeze(node)
            case .unsqueeze:
                try unsqueeze(node)
            case .softmax, .logSoftmax:
                try checkNormalization(node)
                outputNormalization = op == .softmax ? .softmax : .logSoftmax
                return output
            case .argMax, .arrayFeatureExtractor, .zipMap, .normalizer:
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is only supported after the final Softmax")
            case .constant:
                throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has the samples as input")
            case .concat:
                // Reached only when matchBinaryClassifierTail did not see it: not the tail it accepts.
                throw ONNXImportError.Problem(
                    .unsupportedGraph, "\(node.opAndLabel) is only supported as skl2onnx's binary classifier tail Concat(1 − p, p)")
            }
            tensor = output
        }
    }

    /// The one node that reads the samples now, nil at the end of the chain.
    func nextNode() throws -> Int? {
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

    /// Every node off the data path must be a Constant, or a label op fed (directly or not) by the
    /// final output or a classifier's label output.
    private func checkRemainingNodes(finalOutput: String?) throws {
        var labelTensors = self.labelTensors
        if let finalOutput { labelTensors.insert(finalOutput) }
        for position in graph.nodes.indices where !visited.contains(position) && !graph.constantNodes.contains(position) {
            let node = graph.nodes[position]
            let op = graph.operators[position]
            let readsProbabilities = node.input.contains(where: labelTensors.contains)
            if readsProbabilities && op == .normalizer {
                // L1-normalizing probabilities that already sum to 1 changes only rounding; after
                // anything else it would change the numbers.
                guard outputNormalization == .softmax, try node.stringAttribute("norm", default: "MAX") == "L1" else {
                    throw ONNXImportError.Problem(
                        .unsupportedGraph, "\(node.opAndLabel) is only supported as an L1 normalization after a softmax")
                }
                labelTensors.formUnion(node.output)
            } else if readsProbabilities && op.mapsProbabilitiesToLabels {
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
