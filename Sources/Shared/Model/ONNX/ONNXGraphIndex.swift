/// The lookups the importer needs, built once from an ONNX graph: the op of every node, the
/// initializers (and the outputs of Constant nodes) by name, the nodes that read each tensor and
/// the graph's one data input.
///
/// Building the index is where unsupported ops are refused: before any tensor is decoded, so a
/// model with a Conv fails with `unsupported op Conv in node 'conv1'` however large its weights.
struct ONNXGraphIndex {
    let nodes: [Onnx_NodeProto]
    /// The op of each node, in `nodes` order.
    let operators: [ONNXOperator]
    let initializers: [String: Onnx_TensorProto]
    /// The positions of Constant nodes, whose outputs are in `initializers`.
    let constantNodes: Set<Int>
    /// For each tensor name, the indices of the nodes that read it, in graph order.
    let consumers: [String: [Int]]
    /// The graph input that carries the samples (older exporters also list initializers as inputs).
    let dataInput: Onnx_ValueInfoProto

    init(graph: Onnx_GraphProto) throws {
        guard !graph.node.isEmpty else {
            throw ONNXImportError.Problem(.emptyGraph, "the graph has no nodes")
        }
        operators = try graph.node.map { node in
            guard let op = ONNXOperator(of: node) else {
                let qualified = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain).\(node.opType)"
                throw ONNXImportError.Problem(.unsupportedOp, "unsupported op \(qualified) in node \(node.label)")
            }
            return op
        }
        nodes = graph.node

        var initializers: [String: Onnx_TensorProto] = [:]
        for tensor in graph.initializer {
            guard initializers.updateValue(tensor, forKey: tensor.name) == nil else {
                throw ONNXImportError.Problem(.unsupportedGraph, "initializer '\(tensor.name)' is defined twice")
            }
        }
        var constantNodes = Set<Int>()
        for (position, node) in graph.node.enumerated() where operators[position] == .constant {
            guard node.output.count == 1, let tensor = try Self.constantValue(of: node) else {
                throw ONNXImportError.Problem(.unsupportedAttribute,
                                              "\(node.opAndLabel) must hold one tensor in 'value', 'value_float(s)' or 'value_int(s)'")
            }
            guard initializers.updateValue(tensor, forKey: node.output[0]) == nil else {
                throw ONNXImportError.Problem(.unsupportedGraph, "tensor '\(node.output[0])' is defined twice")
            }
            constantNodes.insert(position)
        }
        self.initializers = initializers
        self.constantNodes = constantNodes

        let dataInputs = graph.input.filter { initializers[$0.name] == nil }
        guard dataInputs.count == 1 else {
            let names = dataInputs.map { "'\($0.name)'" }.joined(separator: ", ")
            throw ONNXImportError.Problem(
                dataInputs.isEmpty ? .emptyGraph : .unsupportedGraph,
                dataInputs.isEmpty ? "the graph has no data input"
                    : "the graph has \(dataInputs.count) data inputs (\(names)); SecureNets imports models with one")
        }
        dataInput = dataInputs[0]

        var consumers: [String: [Int]] = [:]
        for (position, node) in graph.node.enumerated() {
            for name in Set(node.input) where !name.isEmpty { consumers[name, default: []].append(position) }
        }
        self.consumers = consumers
    }

    /// The tensor a Constant node holds, named after its output; nil for a kind of value the
    /// importer does not read (strings, sparse tensors).
    private static func constantValue(of node: Onnx_NodeProto) throws -> Onnx_TensorProto? {
        guard node.attribute.count == 1, let attribute = node.attribute.first else { return nil }
        func stored(_ type: Onnx_TensorProto.DataType, dims: [Int64], floats: [Float] = [], ints: [Int64] = []) -> Onnx_TensorProto {
            var tensor = Onnx_TensorProto()
            tensor.dataType = Int32(type.rawValue)
            tensor.dims = dims
            tensor.floatData = floats
            tensor.int64Data = ints
            return tensor
        }
        var tensor: Onnx_TensorProto
        switch attribute.name {
        case "value":
            guard attribute.hasT else { return nil }
            tensor = attribute.t
        case "value_float": tensor = stored(.float, dims: [], floats: [attribute.f])
        case "value_floats": tensor = stored(.float, dims: [Int64(attribute.floats.count)], floats: attribute.floats)
        case "value_int": tensor = stored(.int64, dims: [], ints: [attribute.i])
        case "value_ints": tensor = stored(.int64, dims: [Int64(attribute.ints.count)], ints: attribute.ints)
        default: return nil
        }
        tensor.name = node.output[0]
        return tensor
    }

    /// The declared dimensions of the data input, nil for symbolic ones (the batch size), or nil
    /// when the graph declares no shape.
    var declaredInputShape: [Int?]? {
        guard case .tensorType(let tensorType)? = dataInput.type.value, tensorType.hasShape else { return nil }
        return tensorType.shape.dim.map { dimension in
            if case .dimValue(let size)? = dimension.value, size > 0 { return Int(exactly: size) }
            return nil
        }
    }
}
