import Testing
@testable import SecureNets

/// The whole protocol in one process (blind, compute, verify, unblind) on random networks, against the user's
/// plaintext inference. Keys come from the system CSPRNG here, as in production.
@Suite struct InProcessSecureInferenceTests {
    struct Setup: Sendable, CustomTestStringConvertible {
        let mode: ChainingMode
        let precision: Precision
        let batchSize: Int
        var testDescription: String { "\(mode), \(precision), batch \(batchSize)" }
    }

    static let setups: [Setup] = [
        Setup(mode: .chained, precision: .exact, batchSize: 256),
        Setup(mode: .chained, precision: .fast, batchSize: 7),
        Setup(mode: .perLayer, precision: .exact, batchSize: 5),
        Setup(mode: .perLayer, precision: .fast, batchSize: 1),
    ]

    @Test(arguments: setups)
    func outputMatchesPlaintextInference(_ setup: Setup) throws {
        let inference = InProcessSecureInference(batchSize: setup.batchSize, mode: setup.mode, precision: setup.precision)
        for seed in UInt64(300)..<315 {
            var rng = SplitMix64(seed: seed)
            let widths = RandomModels.widths(depth: 1...5, width: 2...40, using: &rng)
            let activations = (1..<widths.count).map { _ in RandomModels.anyActivation(using: &rng) }
            let network = RandomModels.network(widths: widths, activations: activations, endsInSoftmax: rng.coin(), using: &rng)
            let input = RandomModels.spreadMatrix(rows: rng.int(1...23), columns: network.inputCount, using: &rng)
            let context = "seed \(seed), \(setup.testDescription), \(activations.map(\.name)), softmax \(network.endsInSoftmax)"

            let result = try inference.run(network: network, input: input)
            let plaintext = try network.forward(input)
            let bound = ReferenceMath.forwardErrorBound(network: network, input: input)
            #expect(result.output.rows == input.rows && result.output.columns == network.outputCount, "\(context)")
            for index in plaintext.elements.indices {
                let difference = abs(Double(result.output.elements[index]) - Double(plaintext.elements[index]))
                #expect(difference <= bound[index],
                        "\(context): entry \(index) secure \(result.output.elements[index]) vs plaintext \(plaintext.elements[index]), bound \(bound[index])")
            }
            #expect(result.maxResidualRatio <= 1, "\(context)")
            let splits = activations.dropLast().filter { $0 == .sigmoid || $0 == .tanh }.count
            #expect(result.segmentCount == (setup.mode == .perLayer ? activations.count : splits + 1), "\(context): segments")
        }
    }

    /// Predicted labels agree wherever the top two logits are further apart than the two outputs can differ;
    /// the networks are built so that most rows qualify.
    @Test(arguments: ChainingMode.allCases)
    func argmaxAgreesForWellSeparatedLogits(mode: ChainingMode) throws {
        var qualifying = 0, rows = 0
        for seed in UInt64(400)..<410 {
            var rng = SplitMix64(seed: seed)
            let classes = rng.int(2...12)
            let network = RandomModels.network(widths: [rng.int(4...30), rng.int(8...40), classes],
                                               activations: [rng.coin() ? .relu : .tanh, .identity], using: &rng)
            let input = RandomModels.spreadMatrix(rows: 40, columns: network.inputCount, decades: -1...2, using: &rng)
            let secure = try InProcessSecureInference(batchSize: 16, mode: mode).run(network: network, input: input).output
            let plaintext = try network.forward(input)
            let bound = ReferenceMath.forwardErrorBound(network: network, input: input)
            let labels = secure.rowArgmax(), expected = plaintext.rowArgmax()
            for row in 0..<input.rows {
                let logits = plaintext.row(row).map(Double.init).sorted(by: >)
                let rowBound = bound[(row * classes)..<((row + 1) * classes)].max()!
                rows += 1
                guard logits[0] - logits[1] > 2 * rowBound else { continue }
                qualifying += 1
                #expect(labels[row] == expected[row], "seed \(seed), \(mode), row \(row): label \(labels[row]) vs \(expected[row])")
            }
        }
        #expect(qualifying > rows / 2, "only \(qualifying) of \(rows) rows had well-separated logits")
    }

    @Test func rowsKeepTheirOrderAcrossBatches() throws {
        var rng = SplitMix64(seed: 500)
        // The identity network, so that each output row is its input row: any reordering across batches shows.
        let identity = Matrix(rows: 6, columns: 6, elements: (0..<36).map { $0 / 6 == $0 % 6 ? 1 : 0 })
        let network = try Network(layers: [DenseLayer(weights: identity, bias: [Float](repeating: 0, count: 6), activation: .identity)])
        let input = RandomModels.spreadMatrix(rows: 29, columns: 6, decades: 0...2, using: &rng)
        let output = try InProcessSecureInference(batchSize: 4, mode: .chained).run(network: network, input: input).output
        for (a, b) in zip(output.elements, input.elements) {
            #expect(abs(a - b) <= 8 * Float(ReferenceMath.u32) * abs(b), "\(a) vs \(b)")
        }
    }

    @Test func wrongInputWidthThrows() throws {
        var rng = SplitMix64(seed: 501)
        let network = RandomModels.network(widths: [4, 3], activations: [.relu], using: &rng)
        #expect(throws: ModelError.inputWidthMismatch(expected: 4, actual: 5)) {
            _ = try InProcessSecureInference().run(network: network, input: Matrix(rows: 2, columns: 5))
        }
    }

    /// Against an independent float64 reference (plain loops), the secure output is as close as the plaintext one.
    @Test func agreesWithFloat64Reference() throws {
        var rng = SplitMix64(seed: 502)
        let network = RandomModels.network(widths: [10, 30, 30, 4], activations: [.leakyRelu(alpha: 0.2), .sigmoid, .identity],
                                           endsInSoftmax: true, using: &rng)
        let input = RandomModels.spreadMatrix(rows: 12, columns: 10, using: &rng)
        let output = try InProcessSecureInference(batchSize: 5).run(network: network, input: input).output
        let reference = ReferenceMath.float64Forward(network: network, input: input)
        let bound = ReferenceMath.forwardErrorBound(network: network, input: input)
        for index in reference.indices {
            #expect(abs(Double(output.elements[index]) - reference[index]) <= bound[index], "entry \(index)")
        }
        for row in 0..<12 {
            #expect(abs(output.row(row).reduce(0, +) - 1) < 1e-5, "probabilities of row \(row) sum to 1")
        }
    }
}
