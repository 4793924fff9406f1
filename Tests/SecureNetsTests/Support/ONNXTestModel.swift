import Foundation
@testable import SecureNets

/// Builds small ONNX models in memory, for the importer's edge cases that no exporter produces.
///
/// `standard` is a valid two-layer network on 4 features: Gemm 'fc1' (transB=1, 4→3), Relu 'relu1',
/// Gemm 'fc2' (transB=0, 3→2), Softmax 'softmax'; tests change one thing and check the error.
struct ONNXTestModel: Sendable {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var inputName = "x"
    /// Declared input dimensions; nil entries are symbolic (the batch), nil overall declares none.
    var inputShape: [Int64?]? = [nil, 4]
    var extraInputs: [String] = []
    /// The default-domain opset the model declares.
    var opset: Int64 = 13

    static var standard: ONNXTestModel {
        var model = ONNXTestModel()
        model.initializers = [
            tensor("W1", dims: [3, 4], values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -1]),
            tensor("b1", dims: [3], values: [0.5, -0.5, 0]),
            tensor("W2", dims: [3, 2], values: [1, -1, 2, 0, 0, 3]),
            tensor("b2", dims: [2], values: [0.25, 0]),
        ]
        model.nodes = [
            node("Gemm", ["x", "W1", "b1"], ["h1"], name: "fc1", ints: ["transB": 1]),
            node("Relu", ["h1"], ["a1"], name: "relu1"),
            node("Gemm", ["a1", "W2", "b2"], ["h2"], name: "fc2"),
            node("Softmax", ["h2"], ["y"], name: "softmax", ints: ["axis": 1]),
        ]
        return model
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String,
                     floats: [String: Float] = [:], ints: [String: Int] = [:],
                     strings: [String: String] = [:], intLists: [String: [Int64]] = [:]) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name
        node.input = inputs
        node.output = outputs
        for (key, value) in floats.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            attribute.name = key
            attribute.type = .float
            attribute.f = value
            node.attribute.append(attribute)
        }
        for (key, value) in ints.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            attribute.name = key
            attribute.type = .int
            attribute.i = Int64(value)
            node.attribute.append(attribute)
        }
        for (key, value) in strings.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            attribute.name = key
            attribute.type = .string
            attribute.s = Data(value.utf8)
            node.attribute.append(attribute)
        }
        for (key, value) in intLists.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            attribute.name = key
            attribute.type = .ints
            attribute.ints = value
            node.attribute.append(attribute)
        }
        return node
    }

    /// A FLOAT tensor stored in `float_data`.
    static func tensor(_ name: String, dims: [Int64], values: [Float]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.floatData = values
        return tensor
    }

    /// A tensor of any element type whose data is `raw` bytes.
    static func rawTensor(_ name: String, dims: [Int64], type: Onnx_TensorProto.DataType, raw: Data) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = Int32(type.rawValue)
        tensor.rawData = raw
        return tensor
    }

    /// An INT64 tensor stored in `int64_data` (shapes, axes).
    static func integers(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.int64Data = values
        return tensor
    }

    /// Inserts `nodes` right after the node called `after`, rewiring the samples through them:
    /// the first new node must read `after`'s output, and the node that read it reads the last
    /// new node's output instead.
    mutating func insert(_ newNodes: [Onnx_NodeProto], after name: String) {
        guard let index = nodes.firstIndex(where: { $0.name == name }), let last = newNodes.last?.output.first else { return }
        let output = nodes[index].output[0]
        for position in nodes.indices where position > index {
            nodes[position].input = nodes[position].input.map { $0 == output ? last : $0 }
        }
        nodes.insert(contentsOf: newNodes, at: index + 1)
    }

    /// Replaces the initializer called `tensor.name`.
    mutating func replace(_ tensor: Onnx_TensorProto) {
        initializers = initializers.map { $0.name == tensor.name ? tensor : $0 }
    }

    /// Replaces the node called `name` by `node`.
    mutating func replaceNode(_ name: String, with node: Onnx_NodeProto) {
        nodes = nodes.map { $0.name == name ? node : $0 }
    }

    func serialized() throws -> Data {
        var graph = Onnx_GraphProto()
        graph.name = "test"
        graph.node = nodes
        graph.initializer = initializers
        var input = Onnx_ValueInfoProto()
        input.name = inputName
        if let inputShape {
            var tensorType = Onnx_TypeProto.Tensor()
            tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            tensorType.shape.dim = inputShape.map { size in
                var dimension = Onnx_TensorShapeProto.Dimension()
                dimension.value = size.map { .dimValue($0) } ?? .dimParam("N")
                return dimension
            }
            input.type.value = .tensorType(tensorType)
        }
        graph.input = [input] + extraInputs.map { name in
            var extra = Onnx_ValueInfoProto()
            extra.name = name
            return extra
        }
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = self.opset
        model.opsetImport = [opset]
        model.graph = graph
        return try model.serializedData()
    }

    /// Imports the model as `ONNXImporter` would from a file called `test.onnx`.
    func load() throws -> Network {
        try ONNXImporter.load(data: serialized(), source: "test.onnx")
    }
}
