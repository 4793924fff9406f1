import Testing
@testable import SecureNets

/// Blind → worker's blinded forward pass → unblind reproduces plaintext inference, and keys keep the sign
/// rules of DESIGN §3.
@Suite struct BlindingTests {
    /// Checks every output entry against `ReferenceMath.forwardErrorBound` (see there for the derivation).
    private static func expectClose(_ secure: Matrix, _ plaintext: Matrix, bound: [Double], _ context: String) {
        #expect(secure.rows == plaintext.rows && secure.columns == plaintext.columns, "\(context): shape")
        guard secure.elements.count == plaintext.elements.count else { return }
        var worst = 0.0
        for index in secure.elements.indices {
            let difference = abs(Double(secure.elements[index]) - Double(plaintext.elements[index]))
            worst = max(worst, difference / bound[index])
            #expect(difference <= bound[index],
                    "\(context): entry \(index) secure \(secure.elements[index]) vs plaintext \(plaintext.elements[index]), bound \(bound[index])")
        }
        #expect(worst <= 1, "\(context): worst error is \(worst)× the bound")
    }

    /// The homogeneous coordinate survives every activation: each segment's last output, unblinded but
    /// before the column is dropped, ends in a column of ones (one product and two roundings away from 1).
    private static func expectHomogeneousColumn(_ run: SeededSecureRun, _ context: String) {
        for segment in run.segments {
            let last = segment.outputs[segment.outputs.count - 1]
            let unblinded = MonomialMatrix.sandwich(segment.batchKey.inverse, last,
                                                    run.session.keys.boundaries[segment.layers.upperBound].inverse)
            for row in 0..<unblinded.rows {
                let one = unblinded[row, unblinded.columns - 1]
                #expect(abs(one - 1) <= 4 * Float(ReferenceMath.u32),
                        "\(context): segment \(segment.layers) row \(row) homogeneous coordinate is \(one)")
            }
        }
    }

    @Test(arguments: ChainingMode.allCases, Precision.allCases)
    func homogeneousChainsMatchPlaintext(mode: ChainingMode, precision: Precision) throws {
        for seed in UInt64(0)..<25 {
            var rng = SplitMix64(seed: seed)
            let network = RandomModels.network(depth: 1...5, width: 1...48, using: &rng,
                                               activation: RandomModels.homogeneousActivation)
            let input = RandomModels.spreadMatrix(rows: rng.int(1...12), columns: network.inputCount, using: &rng)
            let run = try SeededSecureRun(network: network, input: input, mode: mode, precision: precision, using: &rng)
            let context = "seed \(seed), \(mode), \(precision), widths \(network.widths)"
            let expectedSegments = mode == .chained ? 1 : network.layers.count
            #expect(run.segments.count == expectedSegments, "\(context): segments")
            Self.expectClose(run.output, try network.forward(input),
                             bound: ReferenceMath.forwardErrorBound(network: network, input: input), context)
            Self.expectHomogeneousColumn(run, context)
        }
    }

    @Test(arguments: ChainingMode.allCases, Precision.allCases)
    func sigmoidAndTanhSegmentsMatchPlaintext(mode: ChainingMode, precision: Precision) throws {
        for seed in UInt64(100)..<125 {
            var rng = SplitMix64(seed: seed)
            let widths = RandomModels.widths(depth: 2...6, width: 1...40, using: &rng)
            var activations = (1..<widths.count).map { _ in RandomModels.anyActivation(using: &rng) }
            activations[rng.int(0...(activations.count - 1))] = rng.coin() ? .sigmoid : .tanh
            let network = RandomModels.network(widths: widths, activations: activations,
                                               endsInSoftmax: rng.coin(), using: &rng)
            let input = RandomModels.spreadMatrix(rows: rng.int(1...10), columns: network.inputCount, using: &rng)
            let run = try SeededSecureRun(network: network, input: input, mode: mode, precision: precision, using: &rng)
            let context = "seed \(seed), \(mode), \(precision), \(activations.map(\.name)), softmax \(network.endsInSoftmax)"
            Self.expectClose(run.output, try network.forward(input),
                             bound: ReferenceMath.forwardErrorBound(network: network, input: input), context)
            Self.expectHomogeneousColumn(run, context)
        }
    }

    /// Blinding must actually hide something: the blinded input is not the plain one, even up to row and
    /// column order, unless every key scale happened to be 1 (impossible with a continuous draw).
    @Test func blindedValuesDifferFromPlainValues() throws {
        var rng = SplitMix64(seed: 7)
        let network = RandomModels.network(widths: [6, 5, 3], activations: [.relu, .identity], using: &rng)
        let input = RandomModels.spreadMatrix(rows: 4, columns: 6, using: &rng)
        let run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: .exact, using: &rng)
        let plain = Set(input.appendingOnesColumn().elements)
        let blinded = run.segments[0].input.elements
        #expect(blinded.filter { plain.contains($0) }.count == 0, "blinded input shares values with the plain input")
        #expect(run.session.blindedModel.layers[0].weights != network.layers[0].homogeneousWeights)
    }

    /// Boundary b lies between layer b-1 and layer b. A worker applies layer b-1's activation to values blinded
    /// with M_b exactly when the mode chains and that activation is ReLU, LeakyReLU, PRelu or identity and b is not
    /// the output: only there must the key be positive.
    private static func workerActivates(at boundary: Int, activations: [Activation], mode: ChainingMode) -> Bool {
        guard mode == .chained, boundary > 0, boundary < activations.count else { return false }
        switch activations[boundary - 1] {
        case .relu, .leakyRelu, .prelu, .identity: return true
        case .sigmoid, .tanh, .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu: return false
        }
    }

    @Test(arguments: ChainingMode.allCases)
    func keysAtInteriorBoundariesArePositive(mode: ChainingMode) {
        var negativeEdgeKeys = 0, negativeInteriorEdgeKeys = 0
        for seed in UInt64(200)..<260 {
            var rng = SplitMix64(seed: seed)
            let network = RandomModels.network(depth: 1...6, width: 4...12, using: &rng,
                                               activation: RandomModels.anyActivation)
            let activations = network.layers.map(\.activation)
            let plan = SegmentPlan(network: network, mode: mode)
            let keys = seed.isMultiple(of: 2)
                ? ModelKeys.generate(for: network, plan: plan, using: &rng)
                : ModelKeys.generate(for: network, plan: plan)
            #expect(keys.boundaries.map(\.size) == network.widths.map { $0 + 1 }, "seed \(seed): key sizes")
            for (boundary, key) in keys.boundaries.enumerated() {
                if Self.workerActivates(at: boundary, activations: activations, mode: mode) {
                    #expect(key.isPositive && key.scales.allSatisfy { $0 > 0 },
                            "seed \(seed), \(mode): interior boundary \(boundary) after \(activations[boundary - 1].name) has a negative scale")
                } else if !key.isPositive {
                    negativeEdgeKeys += 1
                    if boundary > 0 && boundary < activations.count { negativeInteriorEdgeKeys += 1 }
                }
            }
            let unsigned = ModelKeys.generate(for: network, plan: plan, signedEdges: false)
            #expect(unsigned.boundaries.allSatisfy { $0.isPositive }, "seed \(seed): signedEdges false still signed a key")
        }
        // Edge keys may hide signs (DESIGN §3): with 60 networks some certainly do.
        #expect(negativeEdgeKeys > 0, "\(mode): no edge key ever carried a sign")
        if mode == .perLayer { #expect(negativeInteriorEdgeKeys > 0, "per-layer: interior keys never carried a sign") }
    }

    @Test func batchKeysAreSignedOnlyForSingleLayerSegments() {
        var signedDraws = 0
        var rng = SystemRandomNumberGenerator()
        for length in 1...4 {
            // A chain of `length` ReLU layers is one segment in chained mode.
            let layers = (0..<length).map { _ in
                DenseLayer(weights: Matrix(rows: 4, columns: 4), bias: [0, 0, 0, 0], activation: .relu)
            }
            let session = BlindingSession(network: try! Network(layers: layers), mode: .chained)
            for _ in 0..<20 {
                let key = session.batchKey(rows: 64, segment: 0, using: &rng)
                #expect(key.size == 64)
                if length > 1 {
                    #expect(key.isPositive, "a batch key for a \(length)-layer segment has a negative scale")
                } else if !key.isPositive {
                    signedDraws += 1
                }
            }
        }
        // 64 fair signs per key: all positive has probability 2⁻⁶⁴.
        #expect(signedDraws == 20, "only \(signedDraws) of 20 single-layer batch keys carried signs")
    }

    @Test func keyScalesStayWithinTheSpread() {
        var rng = SplitMix64(seed: 11)
        let spreads: [Double] = [1, 2, 16, 1_048_576]
        for spread in spreads {
            let key = KeyGenerator(spread: spread).key(size: 500, signed: true, using: &rng)
            #expect(Set(key.permutation) == Set(0..<500))
            let lower = (1 - 1e-12) / spread, upper = (1 + 1e-12) * spread
            let outside = key.scales.filter { abs($0) < lower || abs($0) > upper }
            #expect(outside.isEmpty, "spread \(spread): scales \(outside.prefix(3)) are outside [1/s, s]")
        }
    }

    @Test func shapeMismatchesThrow() throws {
        let x = Matrix(rows: 3, columns: 4)
        #expect(throws: BlindingError.self) { try BatchBlinding.blind(x, batchKey: .identity(2), boundaryKey: .identity(5)) }
        #expect(throws: BlindingError.self) { try BatchBlinding.blind(x, batchKey: .identity(3), boundaryKey: .identity(4)) }
        #expect(throws: BlindingError.self) { try BatchBlinding.unblind(x, batchKey: .identity(3), boundaryKey: .identity(5)) }
        #expect(try BatchBlinding.unblind(x, batchKey: .identity(3), boundaryKey: .identity(4)).columns == 3)
        let layer = BlindedLayer(weights: Matrix(rows: 6, columns: 2), activation: .relu)
        #expect(throws: BlindingError.self) {
            try BlindedForward.run(input: Matrix(rows: 2, columns: 5), layers: [layer][...], precision: .exact)
        }
    }

    /// What makes chaining legal: σ(c·x) = c·σ(x) for c > 0 holds for the activations marked positively
    /// homogeneous and fails for sigmoid and tanh.
    @Test func positiveHomogeneityMatchesTheActivations() {
        var rng = SplitMix64(seed: 3)
        let all: [Activation] = [.identity, .relu, .leakyRelu(alpha: 0.125), .sigmoid, .tanh]
        for activation in all {
            var holds = true
            for _ in 0..<200 {
                let x = rng.spread(-2...2), c = Float(Double(sign: .plus, exponent: rng.int(-4...4), significand: 1))
                if activation.apply(c * x) != c * activation.apply(x) { holds = false }
            }
            #expect(holds == activation.isPositivelyHomogeneous, "\(activation.name)")
        }
    }
}
