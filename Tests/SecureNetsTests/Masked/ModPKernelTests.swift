import CModP
import Testing
@testable import SecureNets

/// The C kernels added for speed, each against plain arithmetic: the verifier's 16-bit weight form of
/// W·r, the producer's max |x|, the PRG's candidate step and the decoder's checked copy.
@Suite struct ModPKernelTests {
    /// W·r from 16-bit weights equals the residue kernel on the same weights as residues, with the
    /// extremes (every weight ±(2¹⁵ − 1), every vector entry p − 1) and rows longer than one 2¹⁶ run.
    @Test(arguments: [(3, 7), (9, 300), (2, (1 << 16) + 5), (1, 1)])
    func narrowWeightsGiveTheResidueProduct(rows: Int, columns: Int) {
        var rng = SplitMix64(seed: UInt64(rows * 1000 + columns))
        for extreme in [false, true] {
            let weights: [Int16] = (0..<(rows * columns)).map { _ in
                extreme ? (rng.coin() ? Int16.max : -Int16.max) : Int16.random(in: -Int16.max...Int16.max, using: &rng)
            }
            func entry() -> UInt32 { extreme ? PrimeField.modulus - 1 : UInt32.random(in: 0..<PrimeField.modulus, using: &rng) }
            let v0 = (0..<columns).map { _ in entry() }, v1 = (0..<columns).map { _ in entry() }
            let residues = weights.map { PrimeField.residue(Int64($0)) }
            var narrow0 = [UInt32](repeating: 0, count: rows), narrow1 = narrow0, wide0 = narrow0, wide1 = narrow0
            sn_modp_matvec2_i16(weights, rows, columns, v0, v1, &narrow0, &narrow1)
            sn_modp_matvec2(residues, rows, columns, columns, v0, v1, &wide0, &wide1)
            #expect(narrow0 == wide0 && narrow1 == wide1, "extreme \(extreme)")
        }
    }

    @Test func maxMagnitudeSkipsAndCountsNonFiniteValues() {
        let values: [Float] = [-0.0, .leastNormalMagnitude / 4, -3.5, 2, .nan, 7, -.infinity, .infinity, -7.25, .leastNonzeroMagnitude]
        for count in 0...values.count {
            var largest: Float = -1
            let nonfinite = sn_modp_max_abs(values, count, &largest)
            let prefix = values.prefix(count)
            #expect(nonfinite == prefix.filter { !$0.isFinite }.count)
            #expect(largest == prefix.filter(\.isFinite).map(abs).max() ?? 0, "first \(count)")
        }
        // Long enough for the vector loop, with the largest value in its last lane.
        var long = (0..<1000).map { Float($0 % 97) - 50 }
        long[999] = -123.5
        var largest: Float = 0
        #expect(sn_modp_max_abs(long, long.count, &largest) == 0 && largest == 123.5)
    }

    @Test func candidatesAreTheLow31BitsAndPIsCounted() {
        var rng = SplitMix64(seed: 9)
        var words = (0..<500).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
        words[17] = 0xFFFF_FFFF
        words[401] = 0x7FFF_FFFF
        let expected = words.map { $0 & 0x7FFF_FFFF }
        #expect(sn_modp_take_candidates(&words, words.count) == 2)
        #expect(words == expected)
    }

    @Test func checkedCopyReadsLittleEndianAndCountsNonResidues() {
        let values: [UInt32] = [0, 1, PrimeField.modulus - 1, PrimeField.modulus, 0xFFFF_FFFF, 0x0102_0304]
        let bytes = values.flatMap { value in (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        var copy = [UInt32](repeating: 7, count: values.count)
        #expect(sn_modp_copy_residues(bytes, values.count, &copy) == 2)
        #expect(copy == values)
    }
}
