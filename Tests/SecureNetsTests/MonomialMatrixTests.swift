import Testing
@testable import SecureNets

/// `MonomialMatrix` against the same products done densely: the n×n matrices are built explicitly and
/// multiplied with `BLAS.widenedProduct`, a computation that shares nothing with `sandwich`.
@Suite struct MonomialMatrixTests {
    static let u32 = Float(ReferenceMath.u32)

    private static func denseSandwich(_ left: MonomialMatrix, _ x: Matrix, _ right: MonomialMatrix) -> Matrix {
        BLAS.widenedProduct(BLAS.widenedProduct(ReferenceMath.dense(left), x), ReferenceMath.dense(right))
    }

    /// A random matrix of at most `size`×`size` and power-of-two keys on both sides.
    private static func exactOperands(size: Int, using rng: inout SplitMix64)
        -> (x: Matrix, left: MonomialMatrix, right: MonomialMatrix) {
        let rows = rng.int(1...size), columns = rng.int(1...size)
        let x = RandomModels.spreadMatrix(rows: rows, columns: columns, using: &rng)
        return (x, RandomModels.powerOfTwoKey(size: rows, signed: true, using: &rng),
                RandomModels.powerOfTwoKey(size: columns, signed: true, using: &rng))
    }

    /// With power-of-two scales every step is exact, so the O(n) sandwich must equal the dense product bit for bit.
    @Test(arguments: 0..<20)
    func sandwichEqualsDenseProductExactly(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (x, left, right) = Self.exactOperands(size: 40, using: &rng)
        let fast = MonomialMatrix.sandwich(left, x, right)
        #expect(fast == Self.denseSandwich(left, x, right), "seed \(seed): sandwich of \(x.shapeDescription) differs from the dense product")
    }

    /// With arbitrary float64 scales the dense path rounds the scales and an intermediate to float32, so the two
    /// agree to within 6 float32 roundings of each entry (sandwich: 1; dense: scales 2, intermediate 1, result 1).
    @Test(arguments: 0..<20)
    func sandwichMatchesDenseProductForGeneratedKeys(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let rows = rng.int(1...40), columns = rng.int(1...40)
        let x = RandomModels.spreadMatrix(rows: rows, columns: columns, using: &rng)
        let generator = KeyGenerator(spread: 16)
        let left = generator.key(size: rows, signed: true, using: &rng)
        let right = generator.key(size: columns, signed: false, using: &rng)
        let fast = MonomialMatrix.sandwich(left, x, right)
        let dense = Self.denseSandwich(left, x, right)
        for (index, (a, b)) in zip(fast.elements, dense.elements).enumerated() {
            #expect(abs(a - b) <= 6 * Self.u32 * max(abs(a), abs(b)),
                    "seed \(seed): entry \(index) sandwich \(a) vs dense \(b)")
        }
    }

    @Test(arguments: 0..<12)
    func inverseTimesKeyIsIdentity(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let n = rng.int(1...64)
        let exact = RandomModels.powerOfTwoKey(size: n, signed: true, using: &rng)
        let identity = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
        #expect(BLAS.widenedProduct(ReferenceMath.dense(exact), ReferenceMath.dense(exact.inverse)) == identity)
        #expect(BLAS.widenedProduct(ReferenceMath.dense(exact.inverse), ReferenceMath.dense(exact)) == identity)
        #expect(exact.inverse.inverse == exact)

        let general = KeyGenerator(spread: 1000).key(size: n, signed: true, using: &rng)
        let product = BLAS.widenedProduct(ReferenceMath.dense(general), ReferenceMath.dense(general.inverse))
        for i in 0..<n {
            for j in 0..<n {
                if i == j {
                    #expect(abs(product[i, j] - 1) <= 3 * Self.u32, "seed \(seed): diagonal \(i) is \(product[i, j])")
                } else {
                    #expect(product[i, j] == 0, "seed \(seed): off-diagonal (\(i), \(j)) is \(product[i, j])")
                }
            }
        }
    }

    /// Blinding then unblinding with the inverse keys gives back the matrix: exactly for power-of-two keys,
    /// within 3 float32 roundings (two sandwiches, the inverse's float64 scales) otherwise.
    @Test(arguments: 0..<12)
    func inverseUndoesSandwich(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (x, left, right) = Self.exactOperands(size: 30, using: &rng)
        #expect(MonomialMatrix.sandwich(left.inverse, MonomialMatrix.sandwich(left, x, right), right.inverse) == x)

        let generator = KeyGenerator(spread: 1000)
        let l = generator.key(size: x.rows, signed: true, using: &rng)
        let r = generator.key(size: x.columns, signed: true, using: &rng)
        let back = MonomialMatrix.sandwich(l.inverse, MonomialMatrix.sandwich(l, x, r), r.inverse)
        for (a, b) in zip(back.elements, x.elements) {
            #expect(abs(a - b) <= 3 * Self.u32 * abs(b), "seed \(seed): \(b) came back as \(a)")
        }
    }

    @Test func rejectsInvalidKeys() {
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [0, 0], scales: [1, 1]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [0, 2], scales: [1, 1]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [-1, 0], scales: [1, 1]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [1, 0], scales: [1]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [1, 0], scales: [1, 0]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [1, 0], scales: [.nan, 1]) }
        #expect(throws: BlindingError.self) { try MonomialMatrix(permutation: [1, 0], scales: [1, .infinity]) }
        #expect(throws: Never.self) { try MonomialMatrix(permutation: [1, 0], scales: [-2, 0.5]) }
    }

    @Test func positivityIsAboutSignsOnly() throws {
        #expect(try MonomialMatrix(permutation: [1, 0, 2], scales: [1e-9, 3, 1e9]).isPositive)
        #expect(try !MonomialMatrix(permutation: [1, 0, 2], scales: [1, -3, 1]).isPositive)
        #expect(MonomialMatrix.identity(5).isPositive)
        #expect(ReferenceMath.dense(.identity(3)) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    }
}
