import Testing
@testable import SecureNets

/// Bit widths from the exactness (⌈log₂K⌉ + w ≤ 23) and no-wrap (⌈log₂K⌉ + a + w ≤ 32) bounds.
@Suite struct MaskedBitWidthsTests {
    @Test(arguments: [(1024, 11, 11), (4096, 10, 10), (16384, 9, 9), (64, 13, 13), (100, 13, 12),
                      (1, 16, 16), (1025, 11, 10), (65536, 9, 7), (1 << 21, 9, 2)])
    func widestBalancedWidths(inputs: Int, activationBits: Int, weightBits: Int) throws {
        let widths = try MaskedBitWidths.choose(inputCount: inputs, layer: 0, name: "fc")
        #expect(widths == MaskedBitWidths(activationBits: activationBits, weightBits: weightBits))
    }

    /// Both bounds hold with the exact worst cases, computed here in integer arithmetic, for every
    /// power of two K up to 2²¹ and the K just above each (the first with the next ⌈log₂K⌉). At a
    /// power of two the rule is tight: one more weight bit breaks a bound (or the balance).
    @Test func bothBoundsHoldAtTheirWorstCase() throws {
        let candidates = (0...21).flatMap { [1 << $0, (1 << $0) + 1] as [Int] }.filter { $0 <= 1 << 21 }
        for k in candidates {
            let widths = try MaskedBitWidths.choose(inputCount: k, layer: 0, name: "fc")
            let maxWeight = UInt64(widths.weightLimit), maxActivation = UInt64(widths.activationLimit)
            // Exactness: K terms of (p − 1) · max|w| stay within 2⁵³.
            #expect(UInt64(k) * UInt64(PrimeField.modulus - 1) * maxWeight <= 1 << 53, "K = \(k), \(widths)")
            // No wrap: |Z| ≤ K · max|x_q| · max|w_q| ≤ (p − 1)/2.
            #expect(UInt64(k) * maxActivation * maxWeight <= UInt64(PrimeField.maxCentredMagnitude), "K = \(k), \(widths)")
            // Widest: one more weight bit would break a bound.
            guard k & (k - 1) == 0 else { continue }
            let wider = UInt64((1 << widths.weightBits) - 1)
            #expect(UInt64(k) * UInt64(PrimeField.modulus - 1) * wider > 1 << 53
                    || UInt64(k) * maxActivation * wider > UInt64(PrimeField.maxCentredMagnitude)
                    || widths.weightBits >= widths.activationBits, "K = \(k), \(widths)")
        }
    }

    @Test func layerThatNothingFitsIsRefusedByName() throws {
        let error = try #require(throws: MaskedModeError.self) {
            try MaskedBitWidths.choose(inputCount: (1 << 21) + 1, layer: 3, name: "huge")
        }
        #expect(error.description.contains("layer 3 ('huge') with 2097153 inputs does not fit masked mode"))
        #expect(error.description.contains("⌈log2 K⌉ + w ≤ 23"))
        #expect(throws: MaskedModeError.self) { try MaskedBitWidths.choose(inputCount: 0, layer: 0, name: "empty") }
    }
}
