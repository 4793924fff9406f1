import Foundation
import Testing
@testable import SecureNets

@Suite struct ONNXImportTests {
    /// Every fixture model with a reference output computed by onnxruntime.
    static let referenceModels = [
        "digits-pytorch", "digits-keras", "digits-sklearn", "digits-leakyrelu", "digits-logits",
        "digits-tanh", "digits-sigmoid",
    ]

    /// How far `Network.forward` may be from onnxruntime, entry by entry.
    ///
    /// Both compute in float32 but sum the 64/32/24-term dot products in different orders (OpenBLAS
    /// `sgemm` blocking vs onnxruntime's MLAS kernels) and use different `exp`/`tanh`, so results
    /// differ in the last bits. Measured on these fixtures: at most 2.4e-7 on a probability (two
    /// float32 ulps of 1) and 0 on the logits (|logit| ≤ 50). The tolerance, 1e-5 absolute on
    /// probabilities and 1e-5 relative (to max(1, |logit|)) on logits, leaves a 40× margin over that
    /// noise and stays four orders of magnitude below what a wrong weight, bias or activation does.
    static let tolerance: Float = 1e-5

    @Test(arguments: referenceModels)
    func forwardMatchesOnnxruntime(model: String) throws {
        let network = try ONNXImporter.load(contentsOf: Fixture.url("\(model).onnx"))
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let reference = try DataFile.readMatrix(at: Fixture.url("\(model)-reference.npy"))

        let outputs = try network.forward(inputs)

        #expect(outputs.rows == reference.rows && outputs.columns == reference.columns)
        let worst = zip(outputs.elements, reference.elements).map { computed, expected -> Float in
            let scale: Float = network.endsInSoftmax ? 1 : max(1, abs(expected))
            return abs(computed - expected) / (Self.tolerance * scale)
        }.max() ?? 0
        #expect(worst <= 1, "largest deviation is \(worst)× the tolerance")
        #expect(outputs.rowArgmax() == reference.rowArgmax())
    }

    @Test func fixtureLayersHaveTheExportedStructure() throws {
        func load(_ name: String) throws -> Network { try ONNXImporter.load(contentsOf: Fixture.url("\(name).onnx")) }
        let pytorch = try load("digits-pytorch")
        #expect(pytorch.widths == [64, 32, 16, 10])
        #expect(pytorch.layers.map(\.activation) == [.relu, .relu, .identity])
        #expect(pytorch.layers.map(\.name) == ["fc1", "fc2", "fc3"])
        #expect(pytorch.endsInSoftmax)

        #expect(try load("digits-leakyrelu").layers.map(\.activation)
                == [.leakyRelu(alpha: 0.1), .leakyRelu(alpha: 0.1), .identity])
        #expect(try load("digits-tanh").layers.map(\.activation) == [.tanh, .identity])
        #expect(try load("digits-sigmoid").layers.map(\.activation) == [.sigmoid, .identity])
        let logits = try load("digits-logits")
        #expect(!logits.endsInSoftmax)
        #expect(logits.widths == [64, 32, 16, 10])
    }

    /// PyTorch (Gemm, transB=1), tf2onnx (MatMul + Add, one bias on the left) and skl2onnx (Cast,
    /// MatMul + Add with 1×n biases, ArgMax/ZipMap tail) exports of one trained MLP.
    @Test func exportLayoutsGiveTheSameNetwork() throws {
        let pytorch = try ONNXImporter.load(contentsOf: Fixture.url("digits-pytorch.onnx"))
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        for layout in ["digits-keras", "digits-sklearn"] {
            let network = try ONNXImporter.load(contentsOf: Fixture.url("\(layout).onnx"))
            #expect(network.widths == pytorch.widths, "\(layout)")
            #expect(network.endsInSoftmax == pytorch.endsInSoftmax, "\(layout)")
            for (layer, expected) in zip(network.layers, pytorch.layers) {
                #expect(layer.weights == expected.weights, "\(layout) \(layer.name)")
                #expect(layer.bias == expected.bias, "\(layout) \(layer.name)")
                #expect(layer.activation == expected.activation, "\(layout) \(layer.name)")
            }
            #expect(try network.forward(inputs) == pytorch.forward(inputs), "\(layout)")
        }
    }

    /// The bundled demo (samples/digits, made by the fixture script) is what users try first.
    @Test func demoSampleClassifiesDigits() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../samples/digits").standardized
        let network = try ONNXImporter.load(contentsOf: sample.appendingPathComponent("model.onnx"))
        let inputs = try DataFile.readMatrix(at: sample.appendingPathComponent("inputs.npy"))
        let labels = try DataFile.readLabels(at: sample.appendingPathComponent("labels.npy"))
        #expect(network.widths == [64, 128, 64, 10] && network.endsInSoftmax)
        #expect(inputs.rows == labels.count)
        let predicted = try network.forward(inputs).rowArgmax()
        let accuracy = Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
        #expect(accuracy > 0.95, "accuracy \(accuracy)")  // onnxruntime gives 0.972
    }

    @Test func convolutionIsRefusedByOpAndNode() throws {
        let url = try Fixture.url("unsupported-conv.onnx")
        let error = try #require(throws: ONNXImportError.self) { try ONNXImporter.load(contentsOf: url) }
        #expect(error.description == "unsupported op Conv in node 'conv1'")
        #expect(error.code == .unsupportedOp)
        #expect(error.source == url.path)
    }

    // MARK: Files that are not ONNX

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomBytesAreNotONNX(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let bytes = Data((0..<4096).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let error = try #require(throws: ONNXImportError.self) {
            try ONNXImporter.load(data: bytes, source: "noise.onnx")
        }
        #expect(error.code == .notONNX)
        #expect(error.description.contains("'noise.onnx' is not an ONNX model"))
    }

    /// A cut can fall inside a field (protobuf reports truncation) or between fields (the model then
    /// lacks nodes or weights): either way a typed error, never a crash or a partial network.
    @Test(arguments: [0.1, 0.5, 0.9, 0.999])
    func truncatedModelFails(fraction: Double) throws {
        let whole = try Fixture.data("digits-pytorch.onnx")
        let cut = whole.prefix(Int(Double(whole.count) * fraction))
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("truncated.onnx")
            try cut.write(to: url)
            let error = try #require(throws: ONNXImportError.self) { try ONNXImporter.load(contentsOf: url) }
            #expect(error.source == url.path)
            if error.code == .notONNX { #expect(error.description.contains(url.path)) }
        }
    }

    @Test func emptyAndMissingFilesNameThePath() throws {
        let empty = try #require(throws: ONNXImportError.self) { try ONNXImporter.load(data: Data(), source: "empty.onnx") }
        #expect(empty.code == .notONNX)
        #expect(empty.description == "'empty.onnx' is not an ONNX model: it is empty")

        let missing = URL(fileURLWithPath: "/nonexistent/model.onnx")
        let error = try #require(throws: ONNXImportError.self) { try ONNXImporter.load(contentsOf: missing) }
        #expect(error.code == .unreadable)
        #expect(error.description.contains("/nonexistent/model.onnx"))
    }

    @Test func csvFileIsNotONNX() throws {
        let error = try #require(throws: ONNXImportError.self) {
            try ONNXImporter.load(contentsOf: Fixture.url("digits-inputs.csv"))
        }
        #expect(error.code == .notONNX)
        #expect(error.description.contains("digits-inputs.csv"))
    }

    // MARK: Supported variants

    @Test func standardTestModelComputesByHand() throws {
        let network = try ONNXTestModel.standard.load()
        #expect(network.widths == [4, 3, 2])
        // fc1 (transB=1): h = (x0, x1, x2 - x3) + b1; relu; fc2: [h0 + 2h1, -h0 + 3h2] + b2.
        #expect(network.layers[0].weights == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, -1]]))
        let logits = try Network(layers: network.layers, endsInSoftmax: false).forward(Matrix([[1, 2, 3, 1]]))
        // h = relu(1.5, 1.5, 2) → z = (1.5 + 3 + 0.25, -1.5 + 6) = (4.75, 4.5)
        #expect(logits == Matrix([[4.75, 4.5]]))
    }

    @Test func gemmAlphaBetaScalarBiasAndMissingBias() throws {
        var model = ONNXTestModel.standard
        model.replaceNode("fc1", with: ONNXTestModel.node("Gemm", ["x", "W1", "c"], ["h1"], name: "fc1",
                                                          floats: ["alpha": 2, "beta": 3], ints: ["transB": 1]))
        model.initializers.append(ONNXTestModel.tensor("c", dims: [], values: [0.5]))
        model.replaceNode("fc2", with: ONNXTestModel.node("Gemm", ["a1", "W2"], ["h2"], name: "fc2"))
        let network = try model.load()
        #expect(network.layers[0].weights == Matrix([[2, 0, 0], [0, 2, 0], [0, 0, 2], [0, 0, -2]]))
        #expect(network.layers[0].bias == [1.5, 1.5, 1.5])
        #expect(network.layers[1].bias == [0, 0])
    }

    @Test func matMulWithoutAddHasZeroBiasAndDoubleWeightsAreRounded() throws {
        var model = ONNXTestModel()
        model.inputShape = [nil, 2]
        var rawDoubles = Data()
        for value in [0.1, 2, -3, 4] as [Double] { withUnsafeBytes(of: value.bitPattern.littleEndian) { rawDoubles.append(contentsOf: $0) } }
        var doubleData = Onnx_TensorProto()
        doubleData.name = "W2"
        doubleData.dims = [2, 1]
        doubleData.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        doubleData.doubleData = [1.5, -0.25]
        model.initializers = [ONNXTestModel.rawTensor("W1", dims: [2, 2], type: .double, raw: rawDoubles), doubleData]
        model.nodes = [
            ONNXTestModel.node("MatMul", ["x", "W1"], ["h"], name: "mm1"),
            ONNXTestModel.node("Tanh", ["h"], ["a"], name: "tanh"),
            ONNXTestModel.node("MatMul", ["a", "W2"], ["y"], name: "mm2"),
        ]
        let network = try model.load()
        #expect(network.layers[0].weights == Matrix([[Float(0.1), 2], [-3, 4]]))
        #expect(network.layers[0].bias == [0, 0])
        #expect(network.layers[1].weights == Matrix([[1.5], [-0.25]]))
        #expect(network.layers.map(\.activation) == [.tanh, .identity])
        #expect(!network.endsInSoftmax)
    }

    @Test func flattenOfImageInputGivesRowMajorFeatures() throws {
        var model = ONNXTestModel.standard
        model.inputShape = [nil, 1, 2, 2]
        model.nodes.insert(ONNXTestModel.node("Flatten", ["x"], ["flat"], name: "flatten", ints: ["axis": 1]), at: 0)
        model.nodes[1].input[0] = "flat"
        #expect(try model.load().widths == [4, 3, 2])

        model.nodes.removeFirst()
        model.nodes[0].input[0] = "x"
        let error = try #require(throws: ONNXImportError.self) { try model.load() }
        #expect(error.description == "layer 1 (Gemm 'fc1') gets 4-D data; only samples × features is supported (add Flatten)")
    }

    // MARK: Refused graphs

    @Test(arguments: RefusedGraph.all)
    func refusedGraphNamesTheProblem(_ refused: RefusedGraph) throws {
        let model = refused.build()
        let error = try #require(throws: ONNXImportError.self) { try model.load() }
        #expect(error.code == refused.code)
        #expect(error.description == refused.message)
        #expect(error.source == "test.onnx")
    }
}

/// One way to break `ONNXTestModel.standard`, with the error the importer must give.
struct RefusedGraph: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let code: ONNXImportError.Code
    let message: String
    let change: @Sendable (inout ONNXTestModel) -> Void

    typealias Model = ONNXTestModel

    /// The standard model with this case's change applied.
    func build() -> ONNXTestModel {
        var model = Model.standard
        change(&model)
        return model
    }

    static let all: [RefusedGraph] = [
        RefusedGraph(testDescription: "empty graph", code: .emptyGraph, message: "the graph has no nodes") { model in
            model.nodes = []
        },
        RefusedGraph(testDescription: "activation first", code: .activationWithoutLayer,
                     message: "Relu 'relu0' has no Gemm or MatMul layer before it to apply to") { model in
            model.nodes.insert(Model.node("Relu", ["x"], ["x0"], name: "relu0"), at: 0)
            model.nodes[1].input[0] = "x0"
        },
        RefusedGraph(testDescription: "two activations", code: .consecutiveActivations,
                     message: "Tanh 'tanh1' follows Relu 'relu1' with no layer between them; two activations in a row are not supported") { model in
            model.nodes.insert(contentsOf: [Model.node("Identity", ["a1"], ["i1"], name: "id1"),
                                            Model.node("Tanh", ["i1"], ["t1"], name: "tanh1")], at: 2)
            model.nodes[4].input[0] = "t1"
        },
        RefusedGraph(testDescription: "computed weight", code: .weightNotInitializer,
                     message: "weight 'W2c' of Gemm 'fc2' is not an initializer; SecureNets needs stored weights, not computed ones") { model in
            model.nodes.insert(Model.node("Identity", ["W2"], ["W2c"], name: "copy"), at: 0)
            model.nodes[3].input[1] = "W2c"
        },
        RefusedGraph(testDescription: "weight wider than input", code: .shapeMismatch,
                     message: "layer 2 (Gemm 'fc2'): weight is 5×2, input has 3 features") { model in
            model.replace(Model.tensor("W2", dims: [5, 2], values: Array(repeating: 1, count: 10)))
        },
        RefusedGraph(testDescription: "first weight against declared input", code: .shapeMismatch,
                     message: "layer 1 (Gemm 'fc1'): weight is 3×5, input has 4 features") { model in
            model.replace(Model.tensor("W1", dims: [3, 5], values: Array(repeating: 1, count: 15)))
        },
        RefusedGraph(testDescription: "bias of wrong width", code: .shapeMismatch,
                     message: "layer 1 (Gemm 'fc1'): bias 'b1' is 4, expected 3 (or 1×3, or a scalar)") { model in
            model.replace(Model.tensor("b1", dims: [4], values: [1, 2, 3, 4]))
        },
        RefusedGraph(testDescription: "NaN weight", code: .nonFiniteWeight,
                     message: "tensor 'W2' has a NaN, infinite or beyond-float32 value at flat index 3") { model in
            model.replace(Model.tensor("W2", dims: [3, 2], values: [1, 2, 3, .nan, 5, 6]))
        },
        RefusedGraph(testDescription: "raw data shorter than dims", code: .malformedTensor,
                     message: "tensor 'W1' declares 1000000×4 FLOAT values (16000000 bytes) but holds 48 bytes") { model in
            model.replace(Model.rawTensor("W1", dims: [1_000_000, 4], type: .float, raw: Data(count: 48)))
        },
        RefusedGraph(testDescription: "dims beyond the limit", code: .tooLarge,
                     message: "tensor 'W1' declares 1099511627776×1099511627776 values, more than the limit of 268435456") { model in
            model.replace(Model.rawTensor("W1", dims: [1 << 40, 1 << 40], type: .float, raw: Data(count: 48)))
        },
        RefusedGraph(testDescription: "integer weight", code: .malformedTensor,
                     message: "tensor 'W1' has element type INT64; weights must be FLOAT or DOUBLE") { model in
            model.replace(Model.rawTensor("W1", dims: [3, 4], type: .int64, raw: Data(count: 96)))
        },
        RefusedGraph(testDescription: "transA", code: .unsupportedAttribute,
                     message: "layer 1 (Gemm 'fc1'): transA=1 is not supported") { model in
            model.nodes[0] = Model.node("Gemm", ["x", "W1", "b1"], ["h1"], name: "fc1", ints: ["transA": 1, "transB": 1])
        },
        RefusedGraph(testDescription: "data feeds two nodes", code: .unsupportedGraph,
                     message: "tensor 'h1' feeds 2 nodes (Relu 'relu1', Softmax 'early'); SecureNets imports a single chain of layers") { model in
            model.nodes.append(Model.node("Softmax", ["h1"], ["p"], name: "early"))
        },
        RefusedGraph(testDescription: "layer after softmax", code: .unsupportedGraph,
                     message: "Gemm 'fc3' uses the output of Softmax; Softmax must be final (only ArgMax, ArrayFeatureExtractor, Reshape, Cast, ZipMap and Identity may follow it)") { model in
            model.initializers.append(Model.tensor("W3", dims: [2, 2], values: [1, 0, 0, 1]))
            model.nodes.append(Model.node("Gemm", ["y", "W3"], ["z"], name: "fc3"))
        },
        RefusedGraph(testDescription: "softmax over the batch", code: .unsupportedAttribute,
                     message: "Softmax 'softmax' has axis 0; only a softmax over each sample (axis 1 or -1) is supported") { model in
            model.nodes[3] = Model.node("Softmax", ["h2"], ["y"], name: "softmax", ints: ["axis": 0])
        },
        RefusedGraph(testDescription: "cast to double", code: .unsupportedAttribute,
                     message: "Cast 'cast' casts to a type other than float on the data path") { model in
            model.nodes.insert(Model.node("Cast", ["x"], ["xd"], name: "cast", ints: ["to": 11]), at: 0)
            model.nodes[1].input[0] = "xd"
        },
        RefusedGraph(testDescription: "stray node", code: .unsupportedGraph,
                     message: "Identity 'stray' is not on the data path from input 'x'") { model in
            model.nodes.append(Model.node("Identity", ["W1"], ["w"], name: "stray"))
        },
        RefusedGraph(testDescription: "label op before softmax", code: .unsupportedGraph,
                     message: "ArgMax 'argmax' is only supported after the final Softmax") { model in
            model.nodes[3] = Model.node("ArgMax", ["h2"], ["y"], name: "argmax")
        },
        RefusedGraph(testDescription: "two data inputs", code: .unsupportedGraph,
                     message: "the graph has 2 data inputs ('x', 'mask'); SecureNets imports models with one") { model in
            model.extraInputs = ["mask"]
        },
        RefusedGraph(testDescription: "input of rank 1", code: .unsupportedGraph,
                     message: "input 'x' has rank 1; SecureNets expects samples × features") { model in
            model.inputShape = [4]
        },
        RefusedGraph(testDescription: "input dims beyond the limit", code: .tooLarge,
                     message: "input 'x' declares more than 268435456 features per sample") { model in
            model.inputShape = [nil, 1 << 40, 1 << 40]
        },
        RefusedGraph(testDescription: "unnamed unsupported node", code: .unsupportedOp,
                     message: "unsupported op MaxPool in node (unnamed, output 'pooled')") { model in
            model.nodes.insert(Model.node("MaxPool", ["x"], ["pooled"], name: ""), at: 0)
        },
        RefusedGraph(testDescription: "op of a foreign domain", code: .unsupportedOp,
                     message: "unsupported op com.microsoft.FusedGemm in node 'fused'") { model in
            var fused = Model.node("FusedGemm", ["x", "W1"], ["h1"], name: "fused")
            fused.domain = "com.microsoft"
            model.nodes[0] = fused
        },
    ]
}
