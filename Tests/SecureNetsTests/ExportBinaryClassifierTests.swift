import Foundation
import Testing
@testable import SecureNets

/// skl2onnx's binary classifier tail, p = Sigmoid(z), Concat(Sub(1, p), p): read as one pattern
/// (fixtures `sklearn-mlp-binary` and `sklearn-pipeline-mlp-binary` are checked against onnxruntime
/// in `ExportPatternTests`), and anything that only looks like it refused naming the Concat.
@Suite struct ExportBinaryClassifierTests {
    typealias Model = ONNXTestModel

    /// `ONNXTestModel.standard` with a one-unit last layer (z = 1·a₁ − 1·a₂ + 2·a₃ + 0.25) and the tail.
    static var binaryTail: ONNXTestModel {
        var model = ONNXTestModel.standard
        model.replace(Model.tensor("W2", dims: [3, 1], values: [1, -1, 2]))
        model.replace(Model.tensor("b2", dims: [1], values: [0.25]))
        model.initializers.append(Model.tensor("unity", dims: [], values: [1]))
        model.nodes[3...3] = [Model.node("Sigmoid", ["h2"], ["p"], name: "sigmoid"),
                              Model.node("Sub", ["unity", "p"], ["q"], name: "sub"),
                              Model.node("Concat", ["q", "p"], ["y"], name: "concat", ints: ["axis": 1])]
        return model
    }

    @Test func tailGivesBothClassProbabilities() throws {
        let network = try Self.binaryTail.load()
        #expect(network.widths == [4, 3, 2])
        #expect(network.layers.map(\.activation) == [.relu, .sigmoid])
        #expect(network.outputNormalization == .none)

        let inputs = Matrix(rows: 2, columns: 4, elements: [1, 2, 0.5, 0, -1, 0, 3, 1])
        let outputs = try network.forward(inputs)
        // By hand: a = relu(W1·x + b1), z = a₁ − a₂ + 2·a₃ + 0.25; rows (1.5, 1.5, 0.5) and (0, 0, 2).
        let scores: [Double] = [1.5 - 1.5 + 2 * 0.5 + 0.25, 0 - 0 + 2 * 2 + 0.25]
        for (row, z) in scores.enumerated() {
            let p = 1 / (1 + Foundation.exp(-z))
            #expect(abs(Double(outputs[row, 0]) - (1 - p)) <= 1e-6)
            #expect(abs(Double(outputs[row, 1]) - p) <= 1e-6)
        }
        #expect(outputs.rowArgmax() == [1, 1])
    }

    @Test func skl2onnxExportsImportAsDenseLayers() throws {
        let mlp = try ONNXImporter.load(contentsOf: Fixture.url("sklearn-mlp-binary.onnx"))
        #expect(mlp.widths == [64, 12, 2])
        #expect(mlp.layers.map(\.activation) == [.tanh, .sigmoid])
        let pipeline = try ONNXImporter.load(contentsOf: Fixture.url("sklearn-pipeline-mlp-binary.onnx"))
        #expect(pipeline.widths == [64, 16, 2])
        #expect(pipeline.layers.map(\.activation) == [.relu, .sigmoid])
        // The two columns score −z and z: the worker computes one dense layer, the producer σ of each.
        let last = pipeline.layers[1]
        for row in 0..<last.weights.rows { #expect(last.weights[row, 0] == -last.weights[row, 1]) }
        #expect(last.bias[0] == -last.bias[1])
    }

    static let tail = "; Concat is only supported as skl2onnx's binary classifier tail Concat(1 − p, p) with p = Sigmoid of a one-unit layer"

    /// Variations of `binaryTail` (each closure starts from it, not from `standard`), checked by
    /// `ExportRefusalTests.refusalNamesOpAndNode`.
    static let refusals: [RefusedExport] = [
        RefusedExport(testDescription: "two-unit layer", code: .unsupportedGraph,
                      message: "Concat 'concat' follows Sigmoid 'sigmoid' of a layer with 2 units" + tail) { model in
            model = binaryTail
            model.replace(Model.tensor("W2", dims: [3, 2], values: [1, -1, 2, 0, 0, 3]))
            model.replace(Model.tensor("b2", dims: [2], values: [0.25, 0]))
        },
        RefusedExport(testDescription: "2 − p", code: .unsupportedGraph,
                      message: "Concat 'concat' reads Sub 'sub', which does not compute 1 − 'p' with a stored 1" + tail) { model in
            model = binaryTail
            model.replace(Model.tensor("unity", dims: [], values: [2]))
        },
        RefusedExport(testDescription: "p − 1", code: .unsupportedGraph,
                      message: "Concat 'concat' reads Sub 'sub', which does not compute 1 − 'p' with a stored 1" + tail) { model in
            model = binaryTail
            model.nodes[4].input = ["p", "unity"]
        },
        RefusedExport(testDescription: "[p, 1 − p]", code: .unsupportedGraph,
                      message: "Concat 'concat' does not join exactly ['q', 'p'] (1 − p, then p) into one output" + tail) { model in
            model = binaryTail
            model.nodes[5].input = ["p", "q"]
        },
        RefusedExport(testDescription: "axis 0", code: .unsupportedGraph,
                      message: "Concat 'concat' joins along axis 0, not per sample (axis 1 or -1)" + tail) { model in
            model = binaryTail
            model.nodes[5] = Model.node("Concat", ["q", "p"], ["y"], name: "concat", ints: ["axis": 0])
        },
        RefusedExport(testDescription: "Tanh instead of Sigmoid", code: .unsupportedGraph,
                      message: "Concat 'concat' reads 'p', which is not the output of a Sigmoid on a layer" + tail) { model in
            model = binaryTail
            model.nodes[3] = Model.node("Tanh", ["h2"], ["p"], name: "tanh")
        },
        RefusedExport(testDescription: "a third reader of p", code: .unsupportedGraph,
                      message: "Concat 'concat' follows Sigmoid 'sigmoid', whose output 'p' feeds Sub 'sub', Concat 'concat', Relu 'extra' instead of exactly Sub and Concat" + tail) { model in
            model = binaryTail
            model.nodes.append(Model.node("Relu", ["p"], ["r"], name: "extra"))
        },
        RefusedExport(testDescription: "Concat(p, p)", code: .unsupportedGraph,
                      message: "Concat 'concat' follows Sigmoid 'sigmoid', whose output 'p' feeds Concat 'concat' instead of exactly Sub and Concat" + tail) { model in
            model = binaryTail
            model.nodes.remove(at: 4)
            model.nodes[4].input = ["p", "p"]
        },
    ]
}
