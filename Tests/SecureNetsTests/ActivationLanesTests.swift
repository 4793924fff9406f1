import Testing
@testable import SecureNets

/// The piecewise-linear activations run 16 lanes at a time in place (`Activation.apply(to:)`); every
/// value must come out as the scalar definition `apply(_:unit:)` makes it, NaN, ±0 and ±∞ included,
/// at every length around the lane width (whole groups, tails, shorter than one group).
@Suite struct ActivationLanesTests {
    static let specials: [Float] = [.nan, -0.0, 0, .infinity, -.infinity, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]

    static func values(_ count: Int, using rng: inout SplitMix64) -> [Float] {
        (0..<count).map { i in i % 5 == 0 ? specials[(i / 5) % specials.count] : rng.spread(-3...3) }
    }

    @Test(arguments: [Activation.relu, .leakyRelu(alpha: 0.01), .leakyRelu(alpha: -2.5)])
    func lanesMatchTheScalarDefinition(activation: Activation) {
        var rng = SplitMix64(seed: 77)
        for count in [0, 1, 15, 16, 17, 31, 32, 33, 100, 1025] {
            let input = Self.values(count, using: &rng)
            var matrix = Matrix(rows: 1, columns: count, elements: input)
            activation.apply(to: &matrix)
            for (got, x) in zip(matrix.elements, input) {
                let expected = activation.apply(x)
                #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN), "\(activation) of \(x): \(got)")
            }
        }
    }

    /// PRelu's lanes read 16 slopes at a time from the value's column, row after row.
    @Test(arguments: [1, 7, 16, 20, 48])
    func preluLanesUseEachColumnsSlope(columns: Int) {
        var rng = SplitMix64(seed: UInt64(columns))
        let slopes = (0..<columns).map { _ in rng.spread(-2...0) * (rng.coin() ? -1 : 1) }
        let activation = Activation.prelu(slopes: slopes)
        let rows = 5
        let input = Self.values(rows * columns, using: &rng)
        var matrix = Matrix(rows: rows, columns: columns, elements: input)
        activation.apply(to: &matrix)
        for (index, (got, x)) in zip(matrix.elements, input).enumerated() {
            let expected = activation.apply(x, unit: index % columns)
            #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN), "column \(index % columns) of \(x): \(got)")
        }
    }
}
