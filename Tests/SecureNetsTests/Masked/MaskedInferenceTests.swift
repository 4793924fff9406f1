import Foundation
import Testing
@testable import SecureNets

/// Masked mode in one process against float plaintext: every layer within its quantization error
/// bound, and the fixture models' labels as onnxruntime gives them.
///
/// The bound, per layer and entry (docs/MASKED.md): with the input A the producer quantized,
/// s_x,i the scale of its row i, s_j the weight scale of unit j and K the input count,
///   |Ẑ_ij − (A·W + b)_ij| ≤ (s_j/2)·Σ_k|A_ik| + (s_x,i/2)·Σ_k|W_kj| + K·s_x,i·s_j/4
/// (the three terms of (A − E_A)(W − E_W) − A·W with |E_A| ≤ s_x/2, |E_W| ≤ s_j/2), plus float32
/// rounding of the dequantization, at most 2⁻²²·(|Ẑ_ij| + |b_j| + (|A|·|W|)_ij).
@Suite struct MaskedInferenceTests {
    /// Runs `batch` through `network` layer by layer with the producer's and pools' steps, checks
    /// both pools' products and every layer's pre-activations against the bound, and returns the
    /// largest error ÷ bound seen.
    static func worstLayerRatio(network: Network, batch: Matrix, context: String) throws -> Double {
        let model = try MaskedModel(network: network)
        var activations = batch
        var worst = 0.0
        for (layer, dense) in zip(model.layers, network.layers) {
            let request = try LayerMasking.mask(activations, for: layer)
            let (rows, inner, columns) = (activations.rows, layer.inputCount, layer.outputCount)

            // The scales, computed here from their definitions: one per row.
            let inputScales = (0..<rows).map { i -> Double in
                let largest = activations.row(i).map { abs(Double($0)) }.max() ?? 0
                return largest > 0 ? largest / Double(layer.bitWidths.activationLimit) : 1
            }
            #expect(request.inputScales == inputScales, "\(context) layer \(layer.index)")
            for j in 0..<columns {
                let column = (0..<inner).map { abs(Double(dense.weights[$0, j])) }.max() ?? 0
                #expect(layer.weightScales[j] == (column > 0 ? column / Double(layer.bitWidths.weightLimit) : 1))
            }

            let data = try request.dataPoolInput.compute(weights: layer.weights)
            let mask = try request.maskPoolInput.compute(weights: layer.weights)
            let check = ModPFreivaldsCheck()
            #expect(check.check(input: request.maskedInput, weights: layer.weights, output: data).passed)
            #expect(check.check(input: try request.maskPoolInput.operand(columns: inner), weights: layer.weights, output: mask).passed)
            let z = try LayerMasking.unmask(data: data, mask: mask, for: layer, inputScales: request.inputScales)

            let a = activations.elements.map(Double.init), w = dense.weights.elements.map(Double.init)
            let exact = ReferenceMath.product(a, rows: rows, inner: inner, w, columns: columns, absolute: false)
            let magnitude = ReferenceMath.product(a, rows: rows, inner: inner, w, columns: columns, absolute: true)
            let rowSums = (0..<rows).map { i in (0..<inner).reduce(0.0) { $0 + abs(a[i * inner + $1]) } }
            let columnSums = (0..<columns).map { j in (0..<inner).reduce(0.0) { $0 + abs(w[$1 * columns + j]) } }
            for i in 0..<rows {
                for j in 0..<columns {
                    let s = layer.weightScales[j], b = Double(dense.bias[j]), value = Double(z[i, j])
                    let quantization = (s / 2 * rowSums[i] + inputScales[i] / 2 * columnSums[j]
                        + Double(inner) * inputScales[i] * s / 4) * (1 + 0x1p-20)
                    let rounding = 0x1p-22 * (abs(value) + abs(b) + magnitude[i * columns + j])
                    let ratio = abs(value - (exact[i * columns + j] + b)) / (quantization + rounding)
                    worst = max(worst, ratio)
                    if ratio > 1 {
                        Issue.record("\(context) layer \(layer.index) entry (\(i), \(j)): \(value) vs \(exact[i * columns + j] + b), \(ratio)× the bound")
                        return worst
                    }
                }
            }
            activations = z
            layer.activation.apply(to: &activations)
        }
        return worst
    }

    /// Every fixture: the digits models and issue 10's exports (folded ops, producer-side activations,
    /// skl2onnx pipelines, regressors, opsets 9 to 21, external data).
    static let fixtureModels = ONNXImportTests.referenceModels + ExportPatternTests.models

    @Test(arguments: fixtureModels)
    func everyFixtureLayerIsWithinTheQuantizationBound(model: String) throws {
        let network = try ONNXImporter.load(contentsOf: Fixture.url("\(model).onnx"))
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let worst = try Self.worstLayerRatio(network: network, batch: inputs, context: model)
        #expect(worst <= 1)
    }

    /// Random networks with every activation, wide layers (K = 1024 and 1100, where the widths are
    /// a = w = 11 and a = 11, w = 10) and inputs over several orders of magnitude.
    static let randomShapes: [(widths: [Int], seed: UInt64)] = [
        ([1024, 48, 10], 12), ([64, 1100, 30, 7], 13), ([5, 9, 3], 14), ([200, 200, 200, 4], 15), ([1, 2], 16),
    ]

    @Test(arguments: randomShapes)
    func randomNetworkLayersAreWithinTheQuantizationBound(widths: [Int], seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let activations = (1..<widths.count).map { _ in RandomModels.anyActivation(using: &rng) }
        let network = RandomModels.network(widths: widths, activations: activations, using: &rng)
        let batch = RandomModels.spreadMatrix(rows: rng.int(1...24), columns: widths[0], decades: -3...1, using: &rng)
        let worst = try Self.worstLayerRatio(network: network, batch: batch, context: "\(widths) \(activations.map(\.name))")
        #expect(worst <= 1)
    }

    /// The whole run against onnxruntime's float32 outputs: at least 99.5 % of labels agree (here,
    /// with 100 rows, all of them), and no output is further from the reference than 0.2 % of the
    /// largest reference output (measured: see docs/MASKED.md).
    @Test(arguments: fixtureModels)
    func fixtureModelsAgreeWithOnnxruntime(model: String) throws {
        let network = try ONNXImporter.load(contentsOf: Fixture.url("\(model).onnx"))
        let inputs = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let reference = try DataFile.readMatrix(at: Fixture.url("\(model)-reference.npy"))
        let result = try InProcessMaskedInference(batchSize: 32).run(network: network, input: inputs)
        #expect(result.output.rows == reference.rows && result.output.columns == reference.columns)
        #expect(result.checkedProducts == 2 * network.layers.count * 4)
        let agreeing = zip(result.output.rowArgmax(), reference.rowArgmax()).filter { $0 == $1 }.count
        #expect(Double(agreeing) >= 0.995 * Double(inputs.rows), "\(model): \(agreeing) of \(inputs.rows) labels agree")
        let largest = reference.elements.map { abs($0) }.max() ?? 1
        let error = zip(result.output.elements, reference.elements).map { abs($0 - $1) }.max() ?? 0
        print("masked \(model): \(agreeing)/\(inputs.rows) labels, max error \(error) = \(error / largest) of the largest output, widths \(result.bitWidths)")
        // The digits models stay within 0.2 % of the largest output. Issue 10's exports that fold input
        // standardization (sklearn-pipeline-mlp: 3.5 %) or regress large values (sklearn-linear-regression:
        // 0.28 %) lose more to the 13/14-bit quantization, still within every layer's bound (above)
        // and with every label equal; docs/MASKED.md lists the measured errors.
        let tolerance: Float = ONNXImportTests.referenceModels.contains(model) ? 0.002 : 0.05
        #expect(error <= tolerance * largest, "\(model): max error \(error), largest output \(largest)")
    }

    @Test func rowsKeepTheirOrderAcrossBatches() throws {
        var rng = SplitMix64(seed: 17)
        let identity = Matrix(rows: 6, columns: 6, elements: (0..<36).map { $0 / 6 == $0 % 6 ? 1 : 0 })
        let network = try Network(layers: [DenseLayer(weights: identity, bias: [Float](repeating: 0, count: 6), activation: .identity)])
        let input = RandomModels.spreadMatrix(rows: 29, columns: 6, decades: 0...1, using: &rng)
        let output = try InProcessMaskedInference(batchSize: 4).run(network: network, input: input).output
        let limit = Float(try MaskedBitWidths.choose(inputCount: 6, layer: 0, name: "").activationLimit)
        for i in input.elements.indices {
            // Each entry is within half a quantization step of its batch's scale (plus float32 rounding).
            let batch = i / 6 / 4
            let rows = (batch * 4)..<min(batch * 4 + 4, 29)
            let scale = rows.flatMap { input.row($0) }.map { abs($0) }.max()! / limit
            #expect(abs(output.elements[i] - input.elements[i]) <= scale * 0.5 + abs(input.elements[i]) * 1e-6, "entry \(i)")
        }
    }

    @Test func aLayerThatNothingFitsIsRefusedBeforeAnyWork() throws {
        let inputs = (1 << 21) + 1
        let wide = DenseLayer(weights: Matrix(rows: inputs, columns: 1), bias: [0], activation: .relu, name: "wide")
        let network = try Network(layers: [wide])
        let error = try #require(throws: MaskedModeError.self) {
            try InProcessMaskedInference().run(network: network, input: Matrix(rows: 1, columns: inputs))
        }
        #expect(error.description.hasPrefix("layer 0 ('wide') with 2097153 inputs does not fit masked mode"))
    }

    @Test func nonFiniteInputsAreRefusedByLayer() throws {
        var rng = SplitMix64(seed: 18)
        let network = RandomModels.network(widths: [3, 2], activations: [.relu], using: &rng)
        let input = Matrix([[1, .nan, 2]])
        #expect(throws: MaskedModeError.nonFinite(layer: 0, name: "fc0", what: "input activations")) {
            try InProcessMaskedInference().run(network: network, input: input)
        }
    }
}
