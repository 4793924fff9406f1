import Foundation
import Testing
@testable import SecureNets

/// Issue 10's exports (fixtures `export-*` and `sklearn-*` from scripts/fixtures/make_fixtures.py):
/// folded affine ops, activations on workers and on the producer, skl2onnx models, opsets 9 to 21 and external data,
/// each against onnxruntime's output in plaintext and through the in-process secure protocol.
@Suite struct ExportPatternTests {
    static let models = [
        "export-torch-standardize-bn", "export-tf2onnx-opset9", "export-torch-activations", "export-opset21",
        "export-external", "sklearn-pipeline-mlp", "sklearn-mlp-regressor", "sklearn-logistic",
        "sklearn-logistic-binary", "sklearn-linear-regression", "sklearn-mlp-binary", "sklearn-pipeline-mlp-binary",
    ] + opsetModels

    /// One fixture per opset the models above do not use (10, 11, 12, 14 to 20), in that opset's spelling.
    static let opsetModels = [10, 11, 12, 14, 15, 16, 17, 18, 19, 20].map { "export-opset\($0)" }

    /// How far SecureNets may be from onnxruntime, entry by entry, relative to max(1, |reference|).
    ///
    /// Folding rounds each folded weight and bias once in float32 (computed in float64) where
    /// onnxruntime rounds after every op (Sub, Div, BatchNormalization, Scaler, Mul, Add, and a Gelu
    /// decomposition op by op), and both sum the dot products in their own orders. Measured on these
    /// fixtures: worst 9.6e-7 in plaintext and 9.0e-7 through the secure protocol in exact precision,
    /// 1.0e-6 in fast (export-opset15's log-probabilities, the regression outputs up to 9), i.e. a
    /// few float32 ulps. 5e-6 leaves a margin of 5× or more; a wrongly folded mean, variance, epsilon or
    /// slope moves outputs by 1e-3 or more.
    static let tolerance: Float = 5e-6

    static func load(_ name: String) throws -> Network {
        try ONNXImporter.load(contentsOf: Fixture.url("\(name).onnx"))
    }

    static func worstDeviation(_ outputs: Matrix, _ reference: Matrix) -> Float {
        zip(outputs.elements, reference.elements).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test(arguments: models)
    func plaintextMatchesOnnxruntime(model: String) throws {
        let network = try Self.load(model)
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let reference = try DataFile.readMatrix(at: Fixture.url("\(model)-reference.npy"))
        let outputs = try network.forward(inputs)
        #expect(outputs.rows == reference.rows && outputs.columns == reference.columns)
        let worst = Self.worstDeviation(outputs, reference)
        #expect(worst <= Self.tolerance, "\(model): worst relative deviation \(worst)")
        #expect(outputs.rowArgmax() == reference.rowArgmax(), "\(model)")
    }

    @Test(arguments: models, ChainingMode.allCases)
    func secureInferenceMatchesOnnxruntime(model: String, mode: ChainingMode) throws {
        try Self.checkSecure(model: model, mode: mode, precision: .exact, tolerance: Self.tolerance)
    }

    /// `fast` precision sums in float32 (`sgemm`) on blinded values; on these small layers that
    /// stays within the same bound (measured worst 8.9e-7).
    @Test(arguments: models, ChainingMode.allCases)
    func fastSecureInferenceMatchesOnnxruntime(model: String, mode: ChainingMode) throws {
        try Self.checkSecure(model: model, mode: mode, precision: .fast, tolerance: Self.tolerance)
    }

    static func checkSecure(model: String, mode: ChainingMode, precision: Precision, tolerance: Float) throws {
        let network = try load(model)
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let reference = try DataFile.readMatrix(at: Fixture.url("\(model)-reference.npy"))
        let result = try InProcessSecureInference(batchSize: 32, mode: mode, precision: precision)
            .run(network: network, input: inputs)
        let worst = worstDeviation(result.output, reference)
        #expect(worst <= tolerance, "\(model) \(mode) \(precision): worst relative deviation \(worst)")
        #expect(result.output.rowArgmax() == reference.rowArgmax(), "\(model) \(mode) \(precision)")
    }

    /// What each export becomes: only dense layers, activations where the protocol puts them.
    @Test func exportsFoldToDenseLayers() throws {
        let standardized = try Self.load("export-torch-standardize-bn")
        #expect(standardized.widths == [64, 16, 10])
        #expect(standardized.layers.map(\.activation) == [.relu, .identity])
        #expect(standardized.outputNormalization == .softmax)

        let opset9 = try Self.load("export-tf2onnx-opset9")
        #expect(opset9.widths == [64, 16, 16, 10])
        #expect(opset9.layers.map(\.activation) == [.relu, .gelu(tanhApproximation: false), .identity])

        let activations = try Self.load("export-torch-activations")
        #expect(activations.widths == [64] + Array(repeating: 16, count: 8) + [10])
        let names = activations.layers.map(\.activation.name)
        #expect(names == ["elu(0.9)", "selu(1.6732632, 1.050701)", "softplus", "hard_sigmoid(0.16666667, 0.5)",
                          "prelu(16 slopes)", "leaky_relu(0.2)", "clip(0.0, 6.0)", "gelu", "identity"])
        #expect(activations.outputNormalization == .logSoftmax)

        let opset21 = try Self.load("export-opset21")
        #expect(opset21.layers.map(\.activation) == [.gelu(tanhApproximation: false), .gelu(tanhApproximation: true),
                                                     .clip(min: -.greatestFiniteMagnitude, max: 4)])

        #expect(try Self.load("sklearn-pipeline-mlp").widths == [64, 16, 10])
        #expect(try Self.load("sklearn-mlp-regressor").widths == [64, 16, 1])
        let logistic = try Self.load("sklearn-logistic")
        #expect(logistic.widths == [64, 10] && logistic.outputNormalization == .softmax)
        let binary = try Self.load("sklearn-logistic-binary")
        #expect(binary.widths == [64, 2] && binary.layers[0].activation == .sigmoid)
        #expect(try Self.load("sklearn-linear-regression").widths == [64, 1])
    }

    /// What each opset fixture becomes: PRelu per unit inside a chain (on workers), Gelu's tanh
    /// approximation from PyTorch's and tf2onnx's decompositions (opsets 11, 17) and the op (20).
    @Test func opsetFixturesImportTheirActivations() throws {
        let expected: [Int: [String]] = [
            10: ["prelu(16 slopes)", "clip(0.0, 6.0)", "identity"],
            11: ["leaky_relu(0.05)", "gelu_tanh", "clip(0.0, 6.0)", "identity"],
            12: ["prelu(16 slopes)", "elu(1.0)", "selu(1.6732632, 1.050701)", "identity"],
            14: ["relu", "hard_sigmoid(0.2, 0.5)", "identity"],
            15: ["relu", "softplus", "identity"],
            16: ["prelu(16 slopes)", "leaky_relu(0.2)", "identity"],
            17: ["relu", "gelu_tanh", "identity"],
            18: ["prelu(16 slopes)", "tanh", "clip(-0.5, 3.4028235e+38)", "identity"],
            19: ["prelu(16 slopes)", "sigmoid", "identity"],
            20: ["prelu(16 slopes)", "gelu_tanh", "gelu", "identity"],
        ]
        for (opset, names) in expected {
            let network = try Self.load("export-opset\(opset)")
            #expect(network.layers.map(\.activation.name) == names, "opset \(opset)")
            #expect(network.outputNormalization == (opset == 15 ? .logSoftmax : .softmax), "opset \(opset)")
            // PRelu chains into the next layer: one segment fewer than layers would otherwise need.
            let plan = SegmentPlan(network: network, mode: .chained)
            if case .prelu = network.layers[0].activation { #expect(plan.segments[0].count >= 2, "opset \(opset)") }
        }
    }

    /// Producer-side activations end segments and never reach workers: the blinded model carries
    /// identity in their place. PRelu per unit chains like LeakyRelu: the blinded model carries its
    /// slopes permuted with the layer's output key, and 1 for the homogeneous column.
    @Test func producerSideActivationsEndSegmentsAndPReluRunsOnWorkers() throws {
        let network = try Self.load("export-torch-activations")
        let session = BlindingSession(network: network, mode: .chained)
        // Elu, Selu, Softplus, HardSigmoid each end one; PRelu and LeakyRelu chain into the Clip layer.
        #expect(session.plan.segments == [0..<1, 1..<2, 2..<3, 3..<4, 4..<7, 7..<8, 8..<9])
        for (index, (layer, blinded)) in zip(network.layers, session.blindedModel.layers).enumerated() {
            let sent = blinded.activation
            if case .prelu(let slopes) = layer.activation {
                let key = session.keys.boundaries[index + 1]
                var expected = [Float](repeating: 1, count: slopes.count + 1)
                for (unit, slope) in slopes.enumerated() { expected[key.permutation[unit]] = slope }
                #expect(sent == .prelu(slopes: expected), "\(layer.name)")
            } else {
                #expect(sent == (layer.activation.isFusedOnWorkers ? layer.activation : .identity), "\(layer.name)")
            }
        }
        let decoded = try ModelCodec.decode(ModelCodec.encode(session.blindedModel))
        #expect(decoded == session.blindedModel)
        // Per layer, the producer applies every activation: PRelu's slopes stay with it.
        let perLayer = BlindingSession(network: network, mode: .perLayer)
        #expect(perLayer.blindedModel.layers[4].activation == .identity)
    }

    /// Folding is exact up to float32 rounding: the folded first layer of the standardized model
    /// equals the float64 composition W·diag(1/std) and b − (mean/std)·W, rounded once.
    @Test func foldedStandardizationIsTheFloat64Composition() throws {
        var model = ONNXTestModel.standard
        model.initializers += [ONNXTestModel.tensor("mean", dims: [4], values: [0.5, -1, 2, 0.25]),
                               ONNXTestModel.tensor("std", dims: [1, 4], values: [2, 4, 0.5, 3])]
        model.nodes.insert(contentsOf: [ONNXTestModel.node("Sub", ["x", "mean"], ["c"], name: "sub"),
                                        ONNXTestModel.node("Div", ["c", "std"], ["s"], name: "div")], at: 0)
        model.nodes[2].input[0] = "s"
        let folded = try model.load()
        let plain = try ONNXTestModel.standard.load()
        let mean: [Double] = [0.5, -1, 2, 0.25], std: [Double] = [2, 4, 0.5, 3]
        for i in 0..<4 {
            for j in 0..<3 {
                #expect(folded.layers[0].weights[i, j] == Float(Double(plain.layers[0].weights[i, j]) / std[i]))
            }
        }
        for j in 0..<3 {
            let shift = (0..<4).reduce(Double(plain.layers[0].bias[j])) { $0 - mean[$1] / std[$1] * Double(plain.layers[0].weights[$1, j]) }
            #expect(folded.layers[0].bias[j] == Float(shift))
        }
        #expect(folded.layers[1] == plain.layers[1])
    }
}
