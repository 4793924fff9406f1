import CModP
import Testing
@testable import SecureNets

/// p = 2³¹ − 1: scalar reduction and centring, and the C kernels against plain `%` arithmetic.
@Suite struct PrimeFieldTests {
    static let p = Int64(PrimeField.modulus)

    @Test func modulusIsTheMersennePrime() {
        #expect(PrimeField.modulus == (1 << 31) - 1)
        #expect(PrimeField.maxCentredMagnitude == (Self.p - 1) / 2)
    }

    @Test func residueAndCentringRoundTripEverySignedValueInRange() {
        let edges: [Int64] = [0, 1, -1, 2, -2, PrimeField.maxCentredMagnitude, -PrimeField.maxCentredMagnitude,
                              1 << 29, -(1 << 29), 12345, -987_654_321]
        var rng = SplitMix64(seed: 1)
        let random = (0..<2000).map { _ in Int64.random(in: -PrimeField.maxCentredMagnitude...PrimeField.maxCentredMagnitude, using: &rng) }
        for value in edges + random {
            let r = PrimeField.residue(value)
            #expect(r < PrimeField.modulus)
            #expect(PrimeField.centred(r) == value, "\(value)")
        }
        // (p − 1)/2 + 1 = p/2 rounded up is the first residue that stands for a negative value.
        #expect(PrimeField.centred(UInt32(PrimeField.maxCentredMagnitude + 1)) == -PrimeField.maxCentredMagnitude)
        #expect(PrimeField.residue(Self.p) == 0 && PrimeField.residue(-Self.p) == 0 && PrimeField.residue(2 * Self.p + 3) == 3)
    }

    @Test func rejectionSamplingDropsOnlyP() {
        #expect(PrimeField.acceptedCandidate(0x7FFF_FFFF) == nil)
        #expect(PrimeField.acceptedCandidate(0xFFFF_FFFF) == nil)  // top bit dropped: also p
        #expect(PrimeField.acceptedCandidate(0x8000_0000) == 0)
        #expect(PrimeField.acceptedCandidate(0x7FFF_FFFE) == PrimeField.modulus - 1)
        #expect(PrimeField.acceptedCandidate(0xDEAD_BEEF) == 0x5EAD_BEEF)
    }

    @Test func inlineReductionMatchesRemainder() {
        var rng = SplitMix64(seed: 2)
        let values: [UInt64] = [0, 1, UInt64(Self.p), UInt64(Self.p) - 1, UInt64(Self.p) + 1, .max, .max - 1, 1 << 62]
            + (0..<5000).map { _ in rng.next() }
        for x in values { #expect(sn_modp_reduce64(x) == PrimeField.reduce(x), "\(x)") }
    }

    @Test func exactDoublesReduceLikeTheirIntegers() {
        var rng = SplitMix64(seed: 3)
        let limit = Int64(1) << 53
        let integers: [Int64] = [0, 1, -1, limit, -limit, limit - 1, -limit + 1, Self.p, -Self.p]
            + (0..<5000).map { _ in Int64.random(in: -limit...limit, using: &rng) }
        let doubles = integers.map(Double.init)
        var reduced = [UInt32](repeating: 0, count: doubles.count)
        sn_modp_reduce_exact_doubles(doubles, &reduced, doubles.count)
        for (value, residue) in zip(integers, reduced) { #expect(residue == PrimeField.residue(value), "\(value)") }
    }

    @Test func matrixVectorKernelMatchesScalarArithmetic() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<20 {
            let rows = rng.int(1...9), columns = rng.int(1...300)
            // Extremes included: p − 1 everywhere makes every folded product as large as it gets.
            let extreme = rng.coin()
            func residue() -> UInt32 { extreme ? PrimeField.modulus - 1 : UInt32.random(in: 0..<PrimeField.modulus, using: &rng) }
            let m = (0..<(rows * columns)).map { _ in residue() }
            let v0 = (0..<columns).map { _ in residue() }, v1 = (0..<columns).map { _ in residue() }
            var o0 = [UInt32](repeating: 0, count: rows), o1 = o0
            sn_modp_matvec2(m, rows, columns, columns, v0, v1, &o0, &o1)
            for i in 0..<rows {
                var s0: UInt32 = 0, s1: UInt32 = 0
                for j in 0..<columns {
                    s0 = PrimeField.add(s0, PrimeField.multiply(m[i * columns + j], v0[j]))
                    s1 = PrimeField.add(s1, PrimeField.multiply(m[i * columns + j], v1[j]))
                }
                #expect(o0[i] == s0 && o1[i] == s1)
            }
        }
    }
}
