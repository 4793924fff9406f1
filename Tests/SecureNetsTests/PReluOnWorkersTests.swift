import Testing
@testable import SecureNets

/// PRelu with per-unit slopes runs on workers in chained blinded mode (issue 10): the blinded model
/// carries the slopes permuted with the layer's output key, the worker applies them per column, and
/// the verifier rebuilds the same per-column activation. A worker that applies the slopes in any
/// other order computes something else, which the verifier catches.
@Suite struct PReluOnWorkersTests {
    /// 7 → 12 (PRelu) → 9 (PRelu) → 4: one chained segment.
    static func network(using rng: inout SplitMix64) -> Network {
        var network = RandomModels.network(widths: [7, 12, 9, 4], activations: [.identity, .identity, .identity], using: &rng)
        network.layers[0].activation = .prelu(slopes: (0..<12).map { _ in Float.random(in: 0.01...0.9, using: &rng) })
        network.layers[1].activation = .prelu(slopes: (0..<9).map { _ in Float.random(in: -0.5...2, using: &rng) })
        return network
    }

    @Test(arguments: Precision.allCases)
    func workersApplyPermutedSlopesAndVerificationPasses(precision: Precision) throws {
        var rng = SplitMix64(seed: 41)
        let network = Self.network(using: &rng)
        let input = RandomModels.spreadMatrix(rows: 23, columns: 7, decades: -1...1, using: &rng)
        let run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: precision, using: &rng)
        #expect(run.session.plan.segments == [0..<3], "PRelu chains")
        let verifier = SegmentVerifier(rounds: 3)
        for segment in run.segments {
            let check = verifier.verify(input: segment.input, layers: run.layers(of: segment), outputs: segment.outputs,
                                        precision: precision)
            #expect(check.passed, "\(check.failure ?? "")")
        }
        let plain = try network.forward(input)
        let worst = zip(run.output.elements, plain.elements).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 1e-5, "worst relative deviation \(worst) from plaintext")
        // Some pre-activations were negative: the slopes mattered.
        let hidden = BLAS.product(input, network.layers[0].weights)
        #expect(hidden.elements.contains { $0 < 0 })
    }

    /// Slopes applied in the user's unit order to blinded columns (as if the blinding did not
    /// permute them) give other numbers: the verifier, which applies the permuted ones, fails them.
    @Test func slopesInThePlainOrderFailVerification() throws {
        var rng = SplitMix64(seed: 43)
        let network = Self.network(using: &rng)
        let input = RandomModels.spreadMatrix(rows: 30, columns: 7, decades: -1...1, using: &rng)
        let run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: .exact, using: &rng)
        let segment = run.segments[0]
        let layers = run.layers(of: segment)
        let unpermuted = zip(layers, network.layers).map { blinded, plain -> BlindedLayer in
            guard case .prelu(let slopes) = plain.activation else { return blinded }
            return BlindedLayer(weights: blinded.weights, activation: .prelu(slopes: slopes + [1]))
        }
        let wrong = try BlindedForward.run(input: segment.input, layers: unpermuted[...], precision: .exact)
        #expect(wrong[1] != segment.outputs[1])
        let check = SegmentVerifier().verify(input: segment.input, layers: layers, outputs: wrong, precision: .exact)
        #expect(!check.passed)
    }

    /// Where the producer applies PRelu (per-layer mode, or on the last layer), workers get identity
    /// and never see its slopes; masked mode applies it on the producer too.
    @Test func producerAppliedPReluKeepsItsSlopes() throws {
        var rng = SplitMix64(seed: 47)
        var network = Self.network(using: &rng)
        network.layers[2].activation = .prelu(slopes: [0.5, 0.25, 2, 0.125])
        let perLayer = BlindingSession(network: network, mode: .perLayer)
        #expect(perLayer.blindedModel.layers.map(\.activation) == [.identity, .identity, .identity])
        let chained = BlindingSession(network: network, mode: .chained)
        #expect(chained.blindedModel.layers[2].activation == .identity)

        let input = RandomModels.spreadMatrix(rows: 9, columns: 7, decades: -1...1, using: &rng)
        let plain = try network.forward(input)
        for mode in ChainingMode.allCases {
            let output = try InProcessSecureInference(batchSize: 4, mode: mode).run(network: network, input: input).output
            let worst = zip(output.elements, plain.elements).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(mode): worst relative deviation \(worst)")
        }
        let masked = try InProcessMaskedInference(batchSize: 4).run(network: network, input: input).output
        let largest = plain.elements.map { abs($0) }.max() ?? 1
        let error = zip(masked.elements, plain.elements).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 0.01 * largest, "masked: max error \(error), largest output \(largest)")
    }
}
