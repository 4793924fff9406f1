import Foundation
import Testing
@testable import SecureNets

/// What the importer still refuses after issue 10's folding, naming the op and node; and tensors
/// stored as external data, which are read only from inside the model's folder.
@Suite struct ExportRefusalTests {
    @Test(arguments: RefusedExport.all + ExportBinaryClassifierTests.refusals + ExportGeluTanhTests.refusals)
    func refusalNamesOpAndNode(_ refused: RefusedExport) throws {
        var model = ONNXTestModel.standard
        refused.change(&model)
        let error = try #require(throws: ONNXImportError.self) { try model.load() }
        #expect(error.code == refused.code)
        #expect(error.description == refused.message)
    }

    // MARK: External data

    /// `standard` with W1 (3×4 float32) stored at `location`, `offset` and `length` of an external file.
    static func externalModel(location: String, offset: Int? = nil, length: Int? = nil) -> ONNXTestModel {
        var model = ONNXTestModel.standard
        var tensor = Onnx_TensorProto()
        tensor.name = "W1"
        tensor.dims = [3, 4]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dataLocation = .external
        let entries = [("location", location), ("offset", offset.map(String.init)), ("length", length.map(String.init))]
        tensor.externalData = entries.compactMap { key, value in
            value.map { value in
                var entry = Onnx_StringStringEntryProto()
                entry.key = key
                entry.value = value
                return entry
            }
        }
        model.replace(tensor)
        return model
    }

    static let w1: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -1]
    static var w1Bytes: Data { Data(w1.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }) }

    /// Writes the model to `directory/model.onnx` and loads it from there.
    static func loadFile(_ model: ONNXTestModel, in directory: URL) throws -> Network {
        let url = directory.appendingPathComponent("model.onnx")
        try model.serialized().write(to: url)
        return try ONNXImporter.load(contentsOf: url)
    }

    @Test func externalWeightsNextToTheModelAreRead() throws {
        try Fixture.withScratchDirectory { directory in
            try (Data(count: 16) + Self.w1Bytes).write(to: directory.appendingPathComponent("weights.bin"))
            let network = try Self.loadFile(Self.externalModel(location: "weights.bin", offset: 16, length: 48), in: directory)
            #expect(network == (try ONNXTestModel.standard.load()))
        }
    }

    @Test func externalDataOfAModelInMemoryIsRefused() throws {
        let error = try #require(throws: ONNXImportError.self) { try Self.externalModel(location: "weights.bin").load() }
        #expect(error.code == .malformedTensor)
        #expect(error.description == "tensor 'W1' keeps its data in the external file 'weights.bin'; load the model from its file so the file can be found")
    }

    @Test(arguments: [
        ("/etc/passwd", "tensor 'W1' names the external file '/etc/passwd'; only relative paths inside the model's folder are read"),
        ("../outside.bin", "tensor 'W1' names the external file '../outside.bin', which leaves the model's folder"),
        ("sub/../../outside.bin", "tensor 'W1' names the external file 'sub/../../outside.bin', which leaves the model's folder"),
        ("link/outside.bin", "tensor 'W1' names the external file 'link/outside.bin', which resolves outside the model's folder"),
    ])
    func externalPathsOutsideTheFolderAreRefused(location: String, message: String) throws {
        try Fixture.withScratchDirectory { root in
            // The weights exist outside the model's folder, so only the confinement refuses them.
            let folder = root.appendingPathComponent("model", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.w1Bytes.write(to: root.appendingPathComponent("outside.bin"))
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link"), withDestinationURL: root)
            let error = try #require(throws: ONNXImportError.self) {
                try Self.loadFile(Self.externalModel(location: location), in: folder)
            }
            #expect(error.code == .malformedTensor)
            #expect(error.description == message)
        }
    }

    @Test(arguments: [
        (40, nil, "tensor 'W1' needs bytes 40..<88 of 'weights.bin', which has 48"),
        (0, 96, "tensor 'W1' has external length 96 but its dimensions need 48 bytes"),
        (-1, nil, "tensor 'W1' has external offset '-1', not a byte count"),
    ] as [(Int, Int?, String)])
    func externalRangesAreCheckedAgainstTheFile(offset: Int, length: Int?, message: String) throws {
        try Fixture.withScratchDirectory { directory in
            try Self.w1Bytes.write(to: directory.appendingPathComponent("weights.bin"))
            let error = try #require(throws: ONNXImportError.self) {
                try Self.loadFile(Self.externalModel(location: "weights.bin", offset: offset, length: length), in: directory)
            }
            #expect(error.description == message)
        }
    }

    @Test func missingExternalFileIsNamed() throws {
        try Fixture.withScratchDirectory { directory in
            let error = try #require(throws: ONNXImportError.self) {
                try Self.loadFile(Self.externalModel(location: "absent.bin"), in: directory)
            }
            #expect(error.description.hasPrefix("tensor 'W1' names the external file 'absent.bin', which cannot be read"))
        }
    }
}

/// One unsupported variation of `ONNXTestModel.standard` and the error it must give.
struct RefusedExport: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let code: ONNXImportError.Code
    let message: String
    let change: @Sendable (inout ONNXTestModel) -> Void

    typealias Model = ONNXTestModel

    static let all: [RefusedExport] = [
        RefusedExport(testDescription: "Dropout in training mode", code: .unsupportedAttribute,
                      message: "Dropout 'drop' is in training mode; only inference is supported") { model in
            model.initializers.append(Model.rawTensor("train", dims: [], type: .bool, raw: Data([1])))
            model.insert([Model.node("Dropout", ["a1", "", "train"], ["d1"], name: "drop")], after: "relu1")
        },
        RefusedExport(testDescription: "BatchNormalization in training mode", code: .unsupportedAttribute,
                      message: "BatchNormalization 'bn' is in training mode; only inference is supported") { model in
            model.initializers += ["s", "b", "m", "v"].map { Model.tensor($0, dims: [3], values: [1, 1, 1]) }
            model.insert([Model.node("BatchNormalization", ["h1", "s", "b", "m", "v"], ["n1"], name: "bn",
                                     ints: ["training_mode": 1])], after: "fc1")
        },
        RefusedExport(testDescription: "constant divided by the samples", code: .unsupportedGraph,
                      message: "Div 'div' divides a constant by the samples, which is not affine") { model in
            model.initializers.append(Model.tensor("one", dims: [], values: [1]))
            model.insert([Model.node("Div", ["one", "h1"], ["r1"], name: "div")], after: "fc1")
        },
        RefusedExport(testDescription: "samples minus themselves", code: .unsupportedGraph,
                      message: "Sub 'sub' combines the samples with themselves") { model in
            model.insert([Model.node("Sub", ["h1", "h1"], ["r1"], name: "sub")], after: "fc1")
        },
        RefusedExport(testDescription: "constant of the wrong width", code: .shapeMismatch,
                      message: "Add 'add' works on 5 features, the samples have 3") { model in
            model.initializers.append(Model.tensor("c", dims: [5], values: [1, 2, 3, 4, 5]))
            model.insert([Model.node("Add", ["h1", "c"], ["r1"], name: "add")], after: "fc1")
        },
        RefusedExport(testDescription: "per-channel constant of an image", code: .unsupportedGraph,
                      message: "Sub 'sub': constant 'mean' is 1×4×1×1; only a scalar or one value per feature of samples × features data can be folded") { model in
            model.initializers.append(Model.tensor("mean", dims: [1, 4, 1, 1], values: [1, 2, 3, 4]))
            model.nodes.insert(Model.node("Sub", ["x", "mean"], ["c"], name: "sub"), at: 0)
            model.nodes[1].input[0] = "c"
        },
        RefusedExport(testDescription: "scale after the last activation", code: .unsupportedGraph,
                      message: "Mul 'scale' after the last activation cannot be folded into a layer") { model in
            model.initializers.append(Model.tensor("two", dims: [], values: [2]))
            model.nodes[3] = Model.node("Relu", ["h2"], ["a2"], name: "relu2")
            model.nodes.append(Model.node("Mul", ["a2", "two"], ["y"], name: "scale"))
        },
        RefusedExport(testDescription: "Reshape that merges samples", code: .unsupportedGraph,
                      message: "Reshape 'reshape' to [1, -1]: the first dimension must stay the samples (0 or -1)") { model in
            model.initializers.append(Model.integers("shape", [1, -1]))
            model.insert([Model.node("Reshape", ["a1", "shape"], ["r1"], name: "reshape")], after: "relu1")
        },
        RefusedExport(testDescription: "Squeeze of the batch", code: .unsupportedGraph,
                      message: "Squeeze 'squeeze' has axis 0; only per-sample axes (not the batch) are supported") { model in
            model.initializers.append(Model.integers("axes", [0]))
            model.insert([Model.node("Squeeze", ["a1", "axes"], ["q1"], name: "squeeze")], after: "relu1")
        },
        RefusedExport(testDescription: "Erf on its own", code: .unsupportedGraph,
                      message: "Erf 'erf' is only supported inside Gelu's decomposition x·0.5·(1 + erf(x/√2))") { model in
            model.nodes[1] = Model.node("Erf", ["h1"], ["a1"], name: "erf")
        },
        RefusedExport(testDescription: "Gelu decomposition with a wrong constant", code: .unsupportedGraph,
                      message: "tensor 'h1' feeds 2 nodes (Div 'div', Mul 'mul'); SecureNets imports a single chain of layers") { model in
            model.initializers += [Model.tensor("root", dims: [], values: [1.5]), Model.tensor("one", dims: [], values: [1]),
                                   Model.tensor("half", dims: [], values: [0.5])]
            model.nodes[1...1] = [Model.node("Div", ["h1", "root"], ["e"], name: "div"), Model.node("Erf", ["e"], ["f"], name: "erf"),
                                  Model.node("Add", ["f", "one"], ["g"], name: "add"), Model.node("Mul", ["h1", "g"], ["m"], name: "mul"),
                                  Model.node("Mul", ["m", "half"], ["a1"], name: "mul_half")]
        },
        RefusedExport(testDescription: "Gelu with an unknown approximation", code: .unsupportedAttribute,
                      message: "Gelu 'gelu' has approximate='fast'; expected 'none' or 'tanh'") { model in
            model.nodes[1] = Model.node("Gelu", ["h1"], ["a1"], name: "gelu", strings: ["approximate": "fast"])
        },
        RefusedExport(testDescription: "PRelu slopes of the wrong width", code: .shapeMismatch,
                      message: "PRelu 'prelu': slope 'slope' has 2 values, the layer has 3 outputs") { model in
            model.initializers.append(Model.tensor("slope", dims: [2], values: [0.1, 0.2]))
            model.nodes[1] = Model.node("PRelu", ["h1", "slope"], ["a1"], name: "prelu")
        },
        RefusedExport(testDescription: "LogSoftmax over the batch", code: .unsupportedAttribute,
                      message: "LogSoftmax 'logsoftmax' has axis 0; only a softmax over each sample (axis 1 or -1) is supported") { model in
            model.nodes[3] = Model.node("LogSoftmax", ["h2"], ["y"], name: "logsoftmax", ints: ["axis": 0])
        },
        RefusedExport(testDescription: "L2 Normalizer after Softmax", code: .unsupportedGraph,
                      message: "Normalizer 'norm' is only supported as an L1 normalization after a softmax") { model in
            var normalizer = Model.node("Normalizer", ["y"], ["n"], name: "norm", strings: ["norm": "L2"])
            normalizer.domain = "ai.onnx.ml"
            model.nodes.append(normalizer)
        },
        RefusedExport(testDescription: "LinearClassifier with PROBIT", code: .unsupportedAttribute,
                      message: "LinearClassifier 'linear' has post_transform PROBIT; NONE, SOFTMAX and LOGISTIC are supported") { model in
            var linear = Model.node("LinearClassifier", ["x"], ["label", "scores"], name: "linear",
                                    strings: ["post_transform": "PROBIT"], intLists: ["classlabels_ints": [0, 1]])
            linear.domain = "ai.onnx.ml"
            var coefficients = Onnx_AttributeProto()
            coefficients.name = "coefficients"
            coefficients.type = .floats
            coefficients.floats = Array(repeating: 0.5, count: 8)
            linear.attribute.append(coefficients)
            model.nodes = [linear]
        },
        RefusedExport(testDescription: "opset 8", code: .unsupportedOpset,
                      message: "'test.onnx' uses ONNX opset 8; SecureNets reads opsets 9 to 21") { model in
            model.opset = 8
        },
        RefusedExport(testDescription: "opset 22", code: .unsupportedOpset,
                      message: "'test.onnx' uses ONNX opset 22; SecureNets reads opsets 9 to 21") { model in
            model.opset = 22
        },
        RefusedExport(testDescription: "attention's MatMul of two computed tensors", code: .unsupportedGraph,
                      message: "layer 2 (MatMul 'scores') must multiply the samples by a weight") { model in
            model.nodes[2] = Model.node("MatMul", ["a1", "a1"], ["h2"], name: "scores")
        },
    ]
}
