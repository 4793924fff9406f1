@testable import SecureNets

/// The smallest single-entry change the verifier's check catches in one layer, found by bisection.
///
/// Starting from a change that was caught, the factor (relative to the row's mean magnitude) is
/// bisected in log space: a caught change lowers the upper end, a passing one raises the lower end.
/// Every probe is a fresh `FreivaldsCheck` with fresh CSPRNG vectors — the check `SegmentVerifier`
/// runs on that layer — so near the boundary the answer is the one this sequence of draws gave.
/// `guaranteed` is the change the derived bound catches whatever the vectors: twice the row's bound
/// with every |rⱼ| at its maximum 2, as the honest residual may use up one bound.
struct DetectionThreshold {
    /// The smallest caught change found, relative to the row's mean magnitude.
    let measured: Double
    /// The change caught with certainty, relative to the row's mean magnitude.
    let guaranteed: Double

    static let lowestFactor = 1e-10

    /// Bisects the change of `output[row, column]` (in direction `sign`) between `lowestFactor` and
    /// `caughtFactor` times the row's mean magnitude, in `steps` probes.
    init(input: Matrix, weights: Matrix, output: Matrix, row: Int, column: Int, sign: Double,
         caughtFactor: Double, steps: Int = 12) {
        let mean = CheatStrategy.meanMagnitude(output, row: row)
        let check = FreivaldsCheck(rounds: 2)
        /// Whether the check catches the change by `factor`, and the change as stored in float32.
        func probe(_ factor: Double) -> (caught: Bool, stored: Double) {
            var tampered = output
            let stored = CheatStrategy.change(&tampered, row: row, column: column, by: sign * factor * mean)
            let verdict = check.check(input: input, weights: weights, output: tampered, precision: .exact)
            return (!verdict.passed, stored / mean)
        }
        var low = Self.lowestFactor, high = caughtFactor
        var smallestCaught = Double.infinity
        for _ in 0..<steps {
            let middle = (low * high).squareRoot()
            let outcome = probe(middle)
            if outcome.caught { (high, smallestCaught) = (middle, outcome.stored) } else { low = middle }
        }
        if smallestCaught == .infinity {
            var tampered = output
            smallestCaught = CheatStrategy.change(&tampered, row: row, column: column, by: sign * high * mean) / mean
        }
        measured = smallestCaught

        let bound = ResidualBound(precision: .exact, innerDimension: input.columns, outputDimension: output.columns)
        let outputTimesR = 2 * output.row(row).reduce(0) { $0 + Double(abs($1)) }
        var inputTimesWeightsTimesR = 0.0
        for k in 0..<input.columns {
            let weightRow = weights.row(k).reduce(0) { $0 + Double(abs($1)) }
            inputTimesWeightsTimesR += Double(abs(input[row, k])) * 2 * weightRow
        }
        let limit = bound.limit(outputTimesR: outputTimesR, inputTimesWeightsTimesR: inputTimesWeightsTimesR,
                                rNorm1: 2 * Double(output.columns))
        guaranteed = 2 * limit / mean
    }
}
