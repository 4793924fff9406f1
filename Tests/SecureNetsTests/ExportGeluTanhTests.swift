import Foundation
import Testing
@testable import SecureNets

/// Gelu's tanh approximation spelled out in nodes, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in
/// the groupings PyTorch and tf2onnx write before opset 20: imported as one producer-side activation
/// (the fixtures `export-opset11` and `export-opset17` check it against onnxruntime in
/// `ExportPatternTests`), and near misses refused.
@Suite struct ExportGeluTanhTests {
    typealias Model = ONNXTestModel

    static let constants = [Model.tensor("half", dims: [], values: [0.5]), Model.tensor("one", dims: [], values: [1]),
                            Model.tensor("beta", dims: [], values: [Float((2 / Double.pi).squareRoot())]),
                            Model.tensor("kappa", dims: [], values: [0.044715]), Model.tensor("three", dims: [], values: [3])]

    /// PyTorch's symbolic (torch.onnx, opsets 9–19): Mul(0.5, Mul(x, Add(1, Tanh(Mul(β, Add(x, Mul(κ, Mul(x, Mul(x, x))))))))).
    static let torchNodes = [
        Model.node("Mul", ["h1", "h1"], ["sq"], name: "sq"), Model.node("Mul", ["h1", "sq"], ["cube"], name: "cube"),
        Model.node("Mul", ["kappa", "cube"], ["k"], name: "k"), Model.node("Add", ["h1", "k"], ["s"], name: "s"),
        Model.node("Mul", ["beta", "s"], ["i"], name: "i"), Model.node("Tanh", ["i"], ["t"], name: "tanh"),
        Model.node("Add", ["one", "t"], ["g"], name: "g"), Model.node("Mul", ["h1", "g"], ["m"], name: "m"),
        Model.node("Mul", ["half", "m"], ["a1"], name: "gelu_out"),
    ]

    /// tf2onnx's Keras gelu(approximate=True): Mul(Mul(0.5, x), Add(1, Tanh(Mul(Add(x, Mul(Pow(x, 3), κ)), β)))).
    static let tf2onnxNodes = [
        Model.node("Pow", ["h1", "three"], ["cube"], name: "pow"), Model.node("Mul", ["cube", "kappa"], ["k"], name: "k"),
        Model.node("Add", ["h1", "k"], ["s"], name: "s"), Model.node("Mul", ["s", "beta"], ["i"], name: "i"),
        Model.node("Tanh", ["i"], ["t"], name: "tanh"), Model.node("Add", ["t", "one"], ["g"], name: "g"),
        Model.node("Mul", ["half", "h1"], ["hx"], name: "hx"), Model.node("Mul", ["hx", "g"], ["a1"], name: "gelu_out"),
    ]

    /// `standard` with its Relu replaced by `nodes`.
    static func model(_ nodes: [Onnx_NodeProto]) -> ONNXTestModel {
        var model = ONNXTestModel.standard
        model.initializers += constants
        model.nodes[1...1] = nodes[...]
        return model
    }

    @Test(arguments: ["PyTorch", "tf2onnx"])
    func decompositionIsGeluTanh(exporter: String) throws {
        let network = try Self.model(exporter == "PyTorch" ? Self.torchNodes : Self.tf2onnxNodes).load()
        #expect(network.layers.map(\.activation) == [.gelu(tanhApproximation: true), .identity], "\(exporter)")
        let input = Matrix(rows: 3, columns: 4, elements: [1, 2, 0.5, 0, -1, 0, 3, 1, -3, -0.25, 0.75, 2])
        let outputs = try network.forward(input)
        let plain = try Model.standard.load()
        // By hand: the first layer's output, Gelu (tanh) in float64, then the second layer and softmax.
        let hidden = BLAS.product(input, plain.layers[0].weights)
        for row in 0..<3 {
            let a = (0..<3).map { ReferenceMath.activate(.gelu(tanhApproximation: true), Double(hidden[row, $0]) + Double(plain.layers[0].bias[$0])) }
            let z = (0..<2).map { j in (0..<3).reduce(Double(plain.layers[1].bias[j])) { $0 + a[$1] * Double(plain.layers[1].weights[$1, j]) } }
            let e = z.map { Foundation.exp($0 - z.max()!) }
            for j in 0..<2 { #expect(abs(Double(outputs[row, j]) - e[j] / e.reduce(0, +)) <= 1e-6, "\(exporter) row \(row)") }
        }
    }

    static let tail = "; SecureNets imports a single chain of layers"

    /// Variations of the decomposition (each closure starts from `standard`), checked by
    /// `ExportRefusalTests.refusalNamesOpAndNode`.
    static let refusals: [RefusedExport] = [
        RefusedExport(testDescription: "Gelu tanh decomposition with a wrong κ", code: .unsupportedGraph,
                      message: "tensor 'h1' feeds 3 nodes (Pow 'pow', Add 's', Mul 'hx')" + tail) { model in
            model = ExportGeluTanhTests.model(tf2onnxNodes)
            model.replace(Model.tensor("kappa", dims: [], values: [0.05]))
        },
        RefusedExport(testDescription: "Gelu tanh decomposition with x² for x³", code: .unsupportedGraph,
                      message: "tensor 'h1' feeds 3 nodes (Pow 'pow', Add 's', Mul 'hx')" + tail) { model in
            model = ExportGeluTanhTests.model(tf2onnxNodes)
            model.replace(Model.tensor("three", dims: [], values: [2]))
        },
        RefusedExport(testDescription: "Gelu tanh decomposition whose tanh is read twice", code: .unsupportedGraph,
                      message: "tensor 'h1' feeds 3 nodes (Pow 'pow', Add 's', Mul 'hx')" + tail) { model in
            model = ExportGeluTanhTests.model(tf2onnxNodes)
            model.nodes.append(Model.node("Identity", ["t"], ["leak"], name: "leak"))
        },
        RefusedExport(testDescription: "Pow on its own", code: .unsupportedGraph,
                      message: "Pow 'pow' is only supported inside Gelu's tanh decomposition 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))") { model in
            model.initializers.append(Model.tensor("three", dims: [], values: [3]))
            model.nodes[1] = Model.node("Pow", ["h1", "three"], ["a1"], name: "pow")
        },
    ]
}
