import Testing
@testable import SecureNets

/// Cheap cheats never pass (DESIGN §4). Each test starts from an honest worker result, changes it the way a
/// lazy or malicious worker would, and asserts that the verifier rejects it at the layer that was changed.
@Suite struct TamperDetectionTests {
    /// One chained segment of `widths.count - 1` layers with ReLU/LeakyReLU/identity, honestly computed.
    struct Honest {
        let run: SeededSecureRun
        var segment: SeededSecureRun.Segment { run.segments[0] }
        var layers: ArraySlice<BlindedLayer> { run.layers(of: segment) }
        var outputs: [Matrix] { segment.outputs }

        init(seed: UInt64, widths: [Int], batch: Int, decades: ClosedRange<Double> = -4...4,
             keySpread: Double = 16, precision: Precision = .exact) throws {
            var rng = SplitMix64(seed: seed)
            let activations = (1..<widths.count).map { _ in RandomModels.homogeneousActivation(using: &rng) }
            let network = RandomModels.network(widths: widths, activations: activations, using: &rng)
            let input = RandomModels.spreadMatrix(rows: batch, columns: widths[0], decades: decades, using: &rng)
            run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: precision,
                                      keyGenerator: KeyGenerator(spread: keySpread), using: &rng)
        }

        /// What the worker multiplied at layer `l` of the segment: the input, or σ of the previous output.
        func input(ofLayer l: Int, outputs: [Matrix]? = nil) -> Matrix {
            let outputs = outputs ?? self.outputs
            guard l > 0 else { return segment.input }
            var a = outputs[l - 1]
            layers[layers.startIndex + l - 1].activation.apply(to: &a)
            return a
        }

        /// The layers after `l` recomputed honestly from the (changed) output of `l`: a consistent forgery,
        /// so only layer `l` itself can give the cheat away.
        func consistent(_ outputs: [Matrix], changedAt l: Int, precision: Precision) throws -> [Matrix] {
            guard l + 1 < outputs.count else { return outputs }
            let rest = try BlindedForward.run(input: input(ofLayer: l + 1, outputs: outputs),
                                              layers: layers[(layers.startIndex + l + 1)...], precision: precision)
            return Array(outputs[...l]) + rest
        }

        func verify(_ outputs: [Matrix], precision: Precision) -> SegmentCheck {
            SegmentVerifier(rounds: 2).verify(input: segment.input, layers: layers, outputs: outputs, precision: precision)
        }
    }

    enum Tamper: String, CaseIterable, Sendable {
        case float16Operands = "computed from float16-rounded operands"
        case scaledSlightly = "scaled by 1 + 1e-3"
        case doubled = "scaled by 2"
        case swappedRows = "two rows swapped"
        case swappedColumns = "two columns swapped"
        case skippedLayer = "layer skipped (previous tensor returned)"
        case zeros = "all zeros"
        case noise = "random noise"
        case nonFinite = "one NaN and one Inf"

        /// Cheats that even fast mode's loose bound must catch.
        static let gross: [Tamper] = [.doubled, .swappedRows, .skippedLayer, .zeros, .noise, .nonFinite]
    }

    /// Changes layer `l`'s output; returns nil when the cheat does not apply to this shape.
    private static func apply(_ tamper: Tamper, to honest: Honest, layer l: Int, precision: Precision,
                              using rng: inout SplitMix64) -> Matrix? {
        var z = honest.outputs[l]
        switch tamper {
        case .float16Operands:
            let layer = honest.layers[honest.layers.startIndex + l]
            z = BLAS.widenedProduct(ReferenceMath.roundedToFloat16(honest.input(ofLayer: l)),
                                    ReferenceMath.roundedToFloat16(layer.weights))
            guard z.isFinite else { Issue.record("float16 shortcut overflowed: pick smaller values"); return nil }
        case .scaledSlightly:
            for i in z.elements.indices { z.elements[i] *= 1 + 1e-3 }
        case .doubled:
            for i in z.elements.indices { z.elements[i] *= 2 }
        case .swappedRows:
            guard z.rows >= 2 else { return nil }
            let other = rng.int(1...(z.rows - 1))
            for c in 0..<z.columns { (z[0, c], z[other, c]) = (z[other, c], z[0, c]) }
        case .swappedColumns:
            // The homogeneous column against the column least like it in row 0.
            let last = z.columns - 1
            let other = (0..<last).max { abs(z[0, $0] - z[0, last]) < abs(z[0, $1] - z[0, last]) }!
            for r in 0..<z.rows { (z[r, other], z[r, last]) = (z[r, last], z[r, other]) }
        case .skippedLayer:
            z = l == 0 ? honest.segment.input : honest.outputs[l - 1]
        case .zeros:
            z = Matrix(rows: z.rows, columns: z.columns)
        case .noise:
            z = RandomModels.spreadMatrix(rows: z.rows, columns: z.columns, using: &rng)
        case .nonFinite:
            z[0, 0] = .nan
            z[z.rows - 1, z.columns - 1] = .infinity
        }
        return z
    }

    private static func expectDetected(_ tamper: Tamper, precision: Precision, seeds: Range<UInt64>,
                                       decades: ClosedRange<Double>, keySpread: Double) throws {
        for seed in seeds {
            var rng = SplitMix64(seed: seed)
            let widths = (0...3).map { _ in rng.int(2...120) }
            let honest = try Honest(seed: seed, widths: widths, batch: rng.int(2...12), decades: decades,
                                    keySpread: keySpread, precision: precision)
            #expect(honest.verify(honest.outputs, precision: precision).passed, "seed \(seed): the honest result must pass")
            for l in 0..<honest.outputs.count {
                guard let z = apply(tamper, to: honest, layer: l, precision: precision, using: &rng) else { continue }
                var outputs = honest.outputs
                outputs[l] = z
                // Later layers can only be recomputed from a finite tensor of the right shape.
                if z.isFinite && z.columns == honest.outputs[l].columns {
                    outputs = try honest.consistent(outputs, changedAt: l, precision: precision)
                }
                let check = honest.verify(outputs, precision: precision)
                let context = "seed \(seed), \(precision), widths \(widths): layer \(l) output \(tamper.rawValue)"
                #expect(!check.passed, "\(context) was not detected (ratio \(check.maxResidualRatio))")
                #expect(check.failure?.hasPrefix("layer \(l):") == true, "\(context): failure names the wrong layer: \(check.failure ?? "none")")
                #expect(!(check.maxResidualRatio <= 1), "\(context): reported ratio \(check.maxResidualRatio)")
                if tamper == .skippedLayer && z.columns != honest.outputs[l].columns {
                    #expect(check.failure?.contains("shape") == true, "\(context): expected a shape failure")
                }
            }
        }
    }

    @Test(arguments: Tamper.allCases)
    func tamperedResultsAreDetectedInExactMode(_ tamper: Tamper) throws {
        // float16 can only represent |x| < 65504: keep values and key scales small enough that the shortcut
        // produces finite numbers, so it is the lost precision that is caught, not an overflow.
        let decades: ClosedRange<Double> = tamper == .float16Operands ? -1...1 : -4...4
        try Self.expectDetected(tamper, precision: .exact, seeds: 0..<8, decades: decades,
                                keySpread: tamper == .float16Operands ? 4 : 16)
    }

    @Test(arguments: Tamper.gross)
    func grossTamperingIsDetectedInFastMode(_ tamper: Tamper) throws {
        try Self.expectDetected(tamper, precision: .fast, seeds: 20..<28, decades: -4...4, keySpread: 16)
    }

    /// One entry changed by just over 1e-3 of its row's mean magnitude, at several positions, magnitudes and
    /// signs, in every layer. In exact mode the bound on a row is about 2·N·u₃₂ of its mean (N ≤ 1025 here,
    /// so ≤ 1.3e-4), and |r_j| ≥ 1, so this is caught whatever the random vectors are.
    @Test(arguments: [
        (UInt64(1), [5, 7, 3, 4], 3),
        (2, [64, 128, 32, 10], 8),
        (3, [200, 50, 200, 2], 5),
        (4, [1, 1, 1], 1),
        (5, [2048, 64, 1024], 2),
    ])
    func singleEntryChangesAreDetected(seed: UInt64, widths: [Int], batch: Int) throws {
        let honest = try Honest(seed: seed, widths: widths, batch: batch)
        var rng = SplitMix64(seed: seed &+ 1000)
        let factors = [1.0001e-3, 1.01e-3, 1.1e-3, 2e-3, 1e-2, 1, 1e3]
        for l in 0..<honest.outputs.count {
            let layer = honest.layers[honest.layers.startIndex + l]
            let input = honest.input(ofLayer: l)
            let z = honest.outputs[l]
            let middle = (z.rows / 2, z.columns / 2)
            let largest = (0..<z.columns).max { abs(z[0, $0]) < abs(z[0, $1]) }!
            let smallest = (0..<z.columns).min { abs(z[0, $0]) < abs(z[0, $1]) }!
            let positions = [(0, 0), (z.rows - 1, z.columns - 1), middle, (0, largest), (0, smallest)]
            for (row, column) in positions {
                let threshold = 1e-3 * ReferenceMath.meanMagnitude(z, row: row)
                for factor in factors {
                    for sign in [1.0, -1.0] {
                        let original = z[row, column]
                        // The float32 nearest original + change, moved outwards until it really differs by more
                        // than the threshold (rounding may eat part of a change near the threshold).
                        var changed = Float(Double(original) + sign * factor / 1e-3 * threshold)
                        while abs(Double(changed) - Double(original)) <= threshold {
                            changed = sign > 0 ? changed.nextUp : changed.nextDown
                        }
                        var tampered = z
                        tampered[row, column] = changed
                        let check = FreivaldsCheck(rounds: 2).check(input: input, weights: layer.weights, output: tampered,
                                                                    precision: .exact, using: &rng)
                        #expect(!check.passed,
                                "widths \(widths), layer \(l): entry (\(row), \(column)) changed from \(original) to \(changed) (\(factor)× row mean) was not detected; ratio \(check.maxResidualRatio)")
                    }
                }
            }
            let untouched = FreivaldsCheck().check(input: input, weights: layer.weights, output: z, precision: .exact)
            #expect(untouched.passed, "widths \(widths), layer \(l): the honest output must pass")
        }
    }

    /// Fast mode's weaker contract, stated in Precision.fast: a targeted change of just over 1e-3 of the row mean
    /// on a wide layer hides inside the float32 accumulation bound, while exact mode catches the same change.
    @Test func fastModeToleratesSmallChangesThatExactModeCatches() throws {
        var rng = SplitMix64(seed: 77)
        let a = RandomModels.spreadMatrix(rows: 2, columns: 2048, using: &rng)
        let w = RandomModels.spreadMatrix(rows: 2048, columns: 65, using: &rng)
        for precision in Precision.allCases {
            var z = precision.product(a, w)
            let threshold = 1e-3 * ReferenceMath.meanMagnitude(z, row: 1)
            z[1, 7] = Float(Double(z[1, 7]) + 1.01 * threshold)
            let check = FreivaldsCheck().check(input: a, weights: w, output: z, precision: precision, using: &rng)
            switch precision {
            case .exact: #expect(!check.passed, "exact mode missed a 1.01e-3 change (ratio \(check.maxResidualRatio))")
            case .fast: #expect(check.passed, "fast mode's bound is tighter than documented (ratio \(check.maxResidualRatio))")
            }
        }
    }

    /// A worker that returns a correct computation for a different batch (a replay, or a cached answer).
    @Test(arguments: Precision.allCases)
    func resultForAnotherInputIsDetected(precision: Precision) throws {
        for seed in UInt64(40)..<48 {
            var rng = SplitMix64(seed: seed)
            let widths = (0...2).map { _ in rng.int(2...90) }
            let honest = try Honest(seed: seed, widths: widths, batch: rng.int(1...10), precision: precision)
            let segment = honest.segment
            let other = RandomModels.spreadMatrix(rows: segment.input.rows, columns: widths[0], using: &rng)
            let otherKey = KeyGenerator().key(size: other.rows, signed: false, using: &rng)
            let otherBlinded = try BatchBlinding.blind(other, batchKey: otherKey,
                                                       boundaryKey: honest.run.session.keys.boundaries[0])
            let replayed = try BlindedForward.run(input: otherBlinded, layers: honest.layers, precision: precision)
            #expect(honest.verify(replayed, precision: precision).passed == false,
                    "seed \(seed), \(precision): a result computed for another input was accepted")
            // The replayed result is itself honest: it passes against the input it was computed for.
            #expect(SegmentVerifier().verify(input: otherBlinded, layers: honest.layers, outputs: replayed,
                                             precision: precision).passed)
        }
    }

    /// A skipped layer whose output has the same shape as its input: caught by value, not by shape.
    @Test(arguments: Precision.allCases)
    func skippedLayerOfEqualWidthIsDetected(precision: Precision) throws {
        for seed in UInt64(60)..<66 {
            let honest = try Honest(seed: seed, widths: [16, 16, 16, 16], batch: 4, precision: precision)
            for l in 0..<3 {
                var outputs = honest.outputs
                outputs[l] = l == 0 ? honest.segment.input : honest.outputs[l - 1]
                outputs = try honest.consistent(outputs, changedAt: l, precision: precision)
                let check = honest.verify(outputs, precision: precision)
                #expect(!check.passed && check.failure?.hasPrefix("layer \(l): residual") == true,
                        "seed \(seed), \(precision): skipping layer \(l) was not caught by value: \(check.failure ?? "passed")")
            }
        }
    }

    /// A worker that drops a layer entirely and returns one tensor too few, or one too many.
    @Test func wrongNumberOfOutputsIsDetected() throws {
        let honest = try Honest(seed: 9, widths: [6, 6, 6, 6], batch: 3)
        for outputs in [Array(honest.outputs.dropLast()), Array(honest.outputs.dropFirst()), honest.outputs + [honest.outputs[2]], []] {
            let check = honest.verify(outputs, precision: .exact)
            #expect(!check.passed && check.layers.isEmpty, "\(outputs.count) outputs for a 3-layer segment were accepted")
        }
    }
}
