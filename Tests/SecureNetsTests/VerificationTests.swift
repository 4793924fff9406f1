import Testing
@testable import SecureNets

/// Honest work never fails the check (DESIGN §4): the worker's results in either precision, over random
/// shapes, inner dimensions in the thousands and values spread over eight orders of magnitude.
@Suite struct VerificationTests {
    private static func expectHonestPasses(_ run: SeededSecureRun, precision: Precision, rounds: Int = 2,
                                           _ context: String) {
        for segment in run.segments {
            let check = SegmentVerifier(rounds: rounds).verify(input: segment.input, layers: run.layers(of: segment),
                                                              outputs: segment.outputs, precision: precision)
            #expect(check.passed, "\(context): honest segment \(segment.layers) failed: \(check.failure ?? "")")
            #expect(check.layers.count == segment.layers.count, "\(context): layers checked")
            #expect(check.maxResidualRatio <= 1, "\(context): residual ratio \(check.maxResidualRatio)")
            #expect(check.layers.allSatisfy { $0.passed && $0.failure == nil && $0.maxResidualRatio <= 1 })
        }
    }

    @Test(arguments: Precision.allCases)
    func honestSegmentsPassOverRandomShapes(precision: Precision) throws {
        for seed in UInt64(0)..<40 {
            var rng = SplitMix64(seed: seed)
            let network = RandomModels.network(depth: 1...4, width: 1...160, using: &rng,
                                               activation: RandomModels.anyActivation)
            let input = RandomModels.spreadMatrix(rows: rng.int(1...16), columns: network.inputCount, using: &rng)
            let mode: ChainingMode = rng.coin() ? .chained : .perLayer
            let run = try SeededSecureRun(network: network, input: input, mode: mode, precision: precision, using: &rng)
            Self.expectHonestPasses(run, precision: precision, rounds: rng.int(1...4),
                                    "seed \(seed), \(mode), \(precision), widths \(network.widths)")
        }
    }

    /// A few layers with inner dimensions in the thousands; the batch stays small to keep debug builds fast.
    @Test(arguments: [
        (2, [3000, 16, 4]),
        (3, [2047, 600, 9]),
        (1, [5000, 2]),
        (4, [40, 2500, 1200, 3]),
    ])
    func honestSegmentsPassWithWideLayers(batch: Int, widths: [Int]) throws {
        for precision in Precision.allCases {
            var rng = SplitMix64(seed: UInt64(widths[0] * 31 + batch))
            let activations = (1..<widths.count).map { _ in RandomModels.homogeneousActivation(using: &rng) }
            let network = RandomModels.network(widths: widths, activations: activations, using: &rng)
            let input = RandomModels.spreadMatrix(rows: batch, columns: widths[0], using: &rng)
            let run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: precision, using: &rng)
            Self.expectHonestPasses(run, precision: precision, "\(precision), widths \(widths)")
        }
    }

    /// The check on raw operands (not from a network): both factors spread over eight decades, many inner
    /// dimensions, including thousands. The worker's product in each precision passes under that precision.
    @Test(arguments: Precision.allCases)
    func honestProductsPassOnRawOperands(precision: Precision) {
        var rng = SplitMix64(seed: 99)
        let shapes = [(1, 1, 1), (1, 2, 1), (7, 1, 5), (16, 64, 16), (3, 257, 129), (2, 1000, 31), (2, 4096, 7), (1, 8191, 3)]
        for (batch, inner, outputs) in shapes {
            let a = RandomModels.spreadMatrix(rows: batch, columns: inner, using: &rng)
            let w = RandomModels.spreadMatrix(rows: inner, columns: outputs, using: &rng)
            let z = precision.product(a, w)
            for rounds in [1, 2, 3] {
                let check = FreivaldsCheck(rounds: rounds).check(input: a, weights: w, output: z, precision: precision)
                #expect(check.passed && check.maxResidualRatio <= 1,
                        "\(precision) \(batch)×\(inner)·\(inner)×\(outputs), \(rounds) rounds: ratio \(check.maxResidualRatio)")
            }
        }
    }

    /// Cancellation stresses the bound: rows whose products sum to nearly zero (z ≪ |a||w|).
    @Test(arguments: Precision.allCases)
    func honestProductsPassUnderHeavyCancellation(precision: Precision) {
        var rng = SplitMix64(seed: 1234)
        for _ in 0..<10 {
            let inner = rng.int(2...600), outputs = rng.int(1...40)
            var a = RandomModels.spreadMatrix(rows: 4, columns: inner, using: &rng)
            // Pair each column with its negation so that every exact product cancels.
            for row in 0..<a.rows { for column in stride(from: 1, to: inner, by: 2) { a[row, column] = a[row, column - 1] } }
            var w = RandomModels.spreadMatrix(rows: inner, columns: outputs, using: &rng)
            for column in 0..<outputs { for k in stride(from: 1, to: inner, by: 2) { w[k, column] = -w[k - 1, column] } }
            let z = precision.product(a, w)
            let check = FreivaldsCheck().check(input: a, weights: w, output: z, precision: precision)
            #expect(check.passed, "\(precision) inner \(inner): ratio \(check.maxResidualRatio)")
        }
    }

    /// Exact mode is the stronger contract: a plain `sgemm` result is judged by the fast bound, which admits
    /// changes of about γ₃₂_K relative to |A||W|, while exact mode leaves room only for the result's own rounding.
    @Test func exactBoundIsTighterThanFastBound() {
        for (inner, outputs) in [(2, 2), (100, 10), (4096, 512)] {
            let exact = ResidualBound(precision: .exact, innerDimension: inner, outputDimension: outputs)
            let fast = ResidualBound(precision: .fast, innerDimension: inner, outputDimension: outputs)
            let exactLimit = exact.limit(outputTimesR: 1, inputTimesWeightsTimesR: 1, rNorm1: 1)
            let fastLimit = fast.limit(outputTimesR: 1, inputTimesWeightsTimesR: 1, rNorm1: 1)
            #expect(exactLimit < fastLimit, "inner \(inner)")
            // Exact: about one float32 rounding; fast: about K float32 roundings.
            #expect(exactLimit > 0x1p-24 && exactLimit < 2 * 0x1p-24, "exact limit \(exactLimit)")
            #expect(fastLimit > Double(inner) * 0x1p-24, "fast limit \(fastLimit)")
        }
    }

    @Test func shapeMismatchFailsWithoutTrapping() {
        let a = Matrix(rows: 2, columns: 3), w = Matrix(rows: 3, columns: 4)
        for z in [Matrix(rows: 2, columns: 3), Matrix(rows: 3, columns: 4), Matrix(rows: 0, columns: 0)] {
            let check = FreivaldsCheck().check(input: a, weights: w, output: z, precision: .exact)
            #expect(!check.passed && check.maxResidualRatio == .infinity && check.failure?.hasPrefix("shape") == true,
                    "output \(z.shapeDescription)")
        }
        let misfit = FreivaldsCheck().check(input: a, weights: Matrix(rows: 2, columns: 4), output: Matrix(rows: 2, columns: 4),
                                            precision: .fast)
        #expect(!misfit.passed)
    }
}
