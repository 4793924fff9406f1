import Testing
@testable import SecureNets

/// The pools' product Z = X · W mod p through float64 `dgemm`, against plain integer arithmetic.
@Suite struct ModPProductTests {
    /// X · W mod p with Int64 arithmetic and `%` (no BLAS, no float).
    static func reference(_ x: ResidueMatrix, _ w: QuantizedWeights) -> [UInt32] {
        var z = [UInt32](repeating: 0, count: x.rows * w.columns)
        for i in 0..<x.rows {
            for j in 0..<w.columns {
                var sum: UInt32 = 0
                for k in 0..<x.columns {
                    sum = PrimeField.add(sum, PrimeField.multiply(x[i, k], PrimeField.residue(Int64(w.values[k * w.columns + j]))))
                }
                z[i * w.columns + j] = sum
            }
        }
        return z
    }

    static func randomResidues(rows: Int, columns: Int, extreme: Bool = false, using rng: inout SplitMix64) throws -> ResidueMatrix {
        try ResidueMatrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
            extreme ? PrimeField.modulus - 1 : UInt32.random(in: 0..<PrimeField.modulus, using: &rng)
        })
    }

    static func randomWeights(rows: Int, columns: Int, limit: Int32, extreme: Bool = false,
                              using rng: inout SplitMix64) throws -> QuantizedWeights {
        try QuantizedWeights(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in
            extreme ? (rng.coin() ? limit : -limit) : Int32.random(in: -limit...limit, using: &rng)
        })
    }

    /// Widths at the edge of the exactness bound: K·(p − 1)·max|w| up to 2⁵³ in a single chunk.
    @Test(arguments: [(1024, 11), (4096, 10), (100, 12), (3, 16)])
    func exactAtTheBound(inner: Int, weightBits: Int) throws {
        var rng = SplitMix64(seed: UInt64(inner * 31 + weightBits))
        let limit = Int32((1 << (weightBits - 1)) - 1)
        for extreme in [false, true] {
            let x = try Self.randomResidues(rows: 3, columns: inner, extreme: extreme, using: &rng)
            let w = try Self.randomWeights(rows: inner, columns: 5, limit: limit, extreme: extreme, using: &rng)
            #expect(ModPProduct.chunkLength(inner: inner, maxMagnitude: w.maxMagnitude) == inner)
            #expect(try ModPProduct.multiply(x, w).elements == Self.reference(x, w), "K \(inner), extreme \(extreme)")
        }
    }

    /// Weights too wide for one exact `dgemm` are summed in chunks, each reduced mod p.
    @Test(arguments: [(5, QuantizedWeights.maxSupportedMagnitude), (3000, 1 << 12), (700, 1 << 14)])
    func chunkedWhenOneProductWouldNotBeExact(inner: Int, limit: Int32) throws {
        var rng = SplitMix64(seed: UInt64(inner))
        let x = try Self.randomResidues(rows: 2, columns: inner, extreme: true, using: &rng)
        let w = try Self.randomWeights(rows: inner, columns: 3, limit: limit, extreme: true, using: &rng)
        let chunk = ModPProduct.chunkLength(inner: inner, maxMagnitude: w.maxMagnitude)
        #expect(chunk < inner)
        #expect(UInt64(chunk) * UInt64(PrimeField.modulus - 1) * UInt64(limit) <= 1 << 53)
        #expect(try ModPProduct.multiply(x, w).elements == Self.reference(x, w))
    }

    @Test func shapesAndRangesAreChecked() throws {
        var rng = SplitMix64(seed: 9)
        let x = try Self.randomResidues(rows: 2, columns: 4, using: &rng)
        let w = try Self.randomWeights(rows: 5, columns: 3, limit: 100, using: &rng)
        #expect(throws: MaskedModeError.self) { try ModPProduct.multiply(x, w) }
        #expect(throws: MaskedModeError.notResidues(what: "masked input", count: 2)) {
            try ResidueMatrix(rows: 1, columns: 3, elements: [PrimeField.modulus, 4, .max], what: "masked input")
        }
        #expect(throws: MaskedModeError.self) { try ResidueMatrix(rows: 2, columns: 3, elements: [1, 2]) }
        #expect(throws: MaskedModeError.self) {
            try QuantizedWeights(rows: 1, columns: 2, values: [1, QuantizedWeights.maxSupportedMagnitude + 1])
        }
        #expect(throws: MaskedModeError.self) { try QuantizedWeights(rows: 1, columns: 2, values: [1, .min]) }
    }
}

extension ModPProductTests {
    /// Shapes from the wire whose element count overflows are refused, not trapped on.
    @Test func overflowingShapesAreRefused() throws {
        #expect(throws: MaskedModeError.self) { try ResidueMatrix(rows: Int.max, columns: 2, elements: []) }
        #expect(throws: MaskedModeError.self) { try QuantizedWeights(rows: Int.max / 2, columns: 3, values: [1]) }
        let weights = try QuantizedWeights(rows: 4, columns: 1, values: [1, 2, 3, 4])
        #expect(throws: MaskedModeError.self) { try PoolInput.seed(.random(), rows: Int.max / 2).compute(weights: weights) }
        #expect(throws: MaskedModeError.self) { try PoolInput.seed(.random(), rows: -1).compute(weights: weights) }
        #expect(throws: MaskedModeError.self) { try PoolInput.seed(.random(), rows: TensorLimits.maxElements).compute(weights: weights) }
    }
}
