import Testing
@testable import SecureNets

/// The exact mod-p check: honest products always pass; any wrong product fails (with probability
/// 1 − p⁻² per check: no test here can pass a wrong product by chance in practice).
@Suite struct ModPFreivaldsCheckTests {
    struct Case {
        let input: ResidueMatrix
        let weights: QuantizedWeights
        let output: ResidueMatrix
    }

    static func honestCase(rows: Int, inner: Int, columns: Int, using rng: inout SplitMix64) throws -> Case {
        let bits = try MaskedBitWidths.choose(inputCount: inner, layer: 0, name: "t").weightBits
        let x = try ModPProductTests.randomResidues(rows: rows, columns: inner, using: &rng)
        let w = try ModPProductTests.randomWeights(rows: inner, columns: columns, limit: Int32((1 << (bits - 1)) - 1), using: &rng)
        return Case(input: x, weights: w, output: try ModPProduct.multiply(x, w))
    }

    static func changing(_ z: ResidueMatrix, at index: Int, by delta: UInt32) throws -> ResidueMatrix {
        var elements = z.elements
        elements[index] = PrimeField.add(elements[index], delta)
        return try ResidueMatrix(rows: z.rows, columns: z.columns, elements: elements)
    }

    @Test func honestProductsAlwaysPass() throws {
        var rng = SplitMix64(seed: 10)
        for trial in 0..<300 {
            let c = try Self.honestCase(rows: rng.int(1...40), inner: rng.int(1...200), columns: rng.int(1...40), using: &rng)
            let rounds = rng.int(1...3)
            let verdict = ModPFreivaldsCheck(rounds: rounds).check(input: c.input, weights: c.weights, output: c.output)
            #expect(verdict == .passed, "trial \(trial), rounds \(rounds): \(verdict.failure ?? "")")
        }
    }

    /// Every entry of a product changed by +1, −1 and a random non-zero amount: each change is caught.
    @Test func everySingleChangedEntryIsCaught() throws {
        var rng = SplitMix64(seed: 11)
        let check = ModPFreivaldsCheck()
        for _ in 0..<6 {
            let c = try Self.honestCase(rows: rng.int(1...12), inner: rng.int(1...64), columns: rng.int(1...12), using: &rng)
            for index in c.output.elements.indices {
                for delta in [1, PrimeField.modulus - 1, UInt32.random(in: 1..<PrimeField.modulus, using: &rng)] {
                    let tampered = try Self.changing(c.output, at: index, by: delta)
                    let verdict = check.check(input: c.input, weights: c.weights, output: tampered)
                    #expect(!verdict.passed, "entry \(index) changed by \(delta) passed")
                }
            }
        }
    }

    /// A pool that skips the multiplication (returns its input), returns another layer's product, a
    /// product for another batch, or the other pool's product: all caught.
    @Test func wrongWorkIsCaught() throws {
        var rng = SplitMix64(seed: 12)
        let check = ModPFreivaldsCheck()
        for _ in 0..<20 {
            let n = rng.int(2...30), rows = rng.int(1...20)
            let layer = try Self.honestCase(rows: rows, inner: n, columns: n, using: &rng)
            let otherLayer = try ModPProductTests.randomWeights(rows: n, columns: n, limit: 1000, using: &rng)
            let otherBatch = try ModPProductTests.randomResidues(rows: rows, columns: n, using: &rng)
            let seed = MaskSeed.random()
            let mask = MaskStream(seed: seed).matrix(rows: rows, columns: n)
            let maskProduct = try PoolInput.seed(seed, rows: rows).compute(weights: layer.weights)

            let cheats: [(String, ResidueMatrix)] = [
                ("skipped (input returned)", layer.input),
                ("another layer's weights", try ModPProduct.multiply(layer.input, otherLayer)),
                ("another batch", try ModPProduct.multiply(otherBatch, layer.weights)),
                ("the other pool's product", maskProduct),
                ("all zeros", try ResidueMatrix(rows: rows, columns: n, elements: [UInt32](repeating: 0, count: rows * n))),
            ]
            for (name, output) in cheats {
                #expect(!check.check(input: layer.input, weights: layer.weights, output: output).passed, "\(name) passed")
            }
            // The mask pool's honest product passes against R, and the data pool's does not.
            #expect(check.check(input: mask, weights: layer.weights, output: maskProduct).passed)
            #expect(!check.check(input: mask, weights: layer.weights, output: layer.output).passed)
        }
    }

    @Test func wrongShapesFail() throws {
        var rng = SplitMix64(seed: 13)
        let c = try Self.honestCase(rows: 4, inner: 5, columns: 6, using: &rng)
        let short = try ResidueMatrix(rows: 3, columns: 6, elements: Array(c.output.elements.prefix(18)))
        let verdict = ModPFreivaldsCheck().check(input: c.input, weights: c.weights, output: short)
        #expect(!verdict.passed)
        #expect(verdict.failure?.hasPrefix("shape:") == true)
    }
}
