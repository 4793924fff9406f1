import Testing
@testable import SecureNets

/// The producer's steps entry by entry: X̂ − R is exactly the quantized input, and unmasking gives
/// s_x·s_j·(X_q·W_q) + b_j, each computed here with plain integer arithmetic.
@Suite struct LayerMaskingTests {
    static func layer(inputs: Int, outputs: Int, using rng: inout SplitMix64) throws -> (DenseLayer, MaskedLayer) {
        let dense = RandomModels.network(widths: [inputs, outputs], activations: [.relu], using: &rng).layers[0]
        return (dense, try MaskedLayer(dense, index: 0))
    }

    @Test func maskedInputMinusTheMaskIsTheQuantizedInput() throws {
        var rng = SplitMix64(seed: 20)
        for _ in 0..<10 {
            let (_, layer) = try Self.layer(inputs: rng.int(1...80), outputs: 3, using: &rng)
            let batch = RandomModels.spreadMatrix(rows: rng.int(1...30), columns: layer.inputCount, decades: -3...2, using: &rng)
            let seed = MaskSeed.random()
            let request = try LayerMasking.mask(batch, for: layer, seed: seed)
            let mask = MaskStream(seed: seed).matrix(rows: batch.rows, columns: batch.columns)
            let limit = Int64(layer.bitWidths.activationLimit)
            // One scale per row, from its own largest magnitude.
            let scales = (0..<batch.rows).map { r in Double(batch.row(r).map { abs($0) }.max()!) / Double(limit) }
            #expect(request.inputScales == scales)
            for i in batch.elements.indices {
                let scale = scales[i / batch.columns]
                let quantized = PrimeField.centred(PrimeField.subtract(request.maskedInput.elements[i], mask.elements[i]))
                let expected = Int64((Double(batch.elements[i]) / scale).rounded(.toNearestOrAwayFromZero))
                #expect(abs(quantized) <= limit)
                // Dividing by s_x and multiplying by 1/s_x can round apart only within an ulp of a tie.
                let nearTie = abs(abs(Double(batch.elements[i]) / scale).truncatingRemainder(dividingBy: 1) - 0.5) < 1e-9
                #expect(abs(quantized - expected) <= (nearTie ? 1 : 0), "entry \(i): \(quantized) vs \(expected)")
            }
        }
    }

    /// An all-zero batch is masked to R itself: the data pool's input is the pad, whatever the data.
    @Test func zerosAreMaskedToThePad() throws {
        var rng = SplitMix64(seed: 21)
        let (_, layer) = try Self.layer(inputs: 17, outputs: 2, using: &rng)
        let seed = MaskSeed.random()
        let request = try LayerMasking.mask(Matrix(rows: 5, columns: 17), for: layer, seed: seed)
        #expect(request.maskedInput == MaskStream(seed: seed).matrix(rows: 5, columns: 17))
        #expect(request.inputScales == [Double](repeating: 1, count: 5))
        // Two masks of the same batch share nothing.
        let batch = RandomModels.spreadMatrix(rows: 5, columns: 17, using: &rng)
        let first = try LayerMasking.mask(batch, for: layer), second = try LayerMasking.mask(batch, for: layer)
        #expect(zip(first.maskedInput.elements, second.maskedInput.elements).filter { $0 == $1 }.count <= 1)
    }

    @Test func unmaskingGivesTheScaledIntegerProductPlusBias() throws {
        var rng = SplitMix64(seed: 22)
        let (dense, layer) = try Self.layer(inputs: 40, outputs: 9, using: &rng)
        let rows = 6
        // Products chosen directly: any centred value within the no-wrap range, negative ones included.
        let products = (0..<(rows * 9)).map { _ in Int64.random(in: -PrimeField.maxCentredMagnitude...PrimeField.maxCentredMagnitude, using: &rng) }
        let mask = try ModPProductTests.randomResidues(rows: rows, columns: 9, using: &rng)
        let data = try ResidueMatrix(rows: rows, columns: 9, elements: zip(products, mask.elements).map { z, r in
            PrimeField.add(PrimeField.residue(z), r)
        })
        let inputScales = (0..<rows).map { 0.003 * Double($0 + 1) }
        let z = try LayerMasking.unmask(data: data, mask: mask, for: layer, inputScales: inputScales)
        for i in 0..<rows {
            for j in 0..<9 {
                let expected = inputScales[i] * layer.weightScales[j] * Double(products[i * 9 + j]) + Double(dense.bias[j])
                #expect(abs(Double(z[i, j]) - expected) <= 0x1p-22 * (abs(expected) + abs(Double(dense.bias[j]))), "(\(i), \(j))")
            }
        }
        #expect(throws: MaskedModeError.self) {
            try LayerMasking.unmask(data: data, mask: try ModPProductTests.randomResidues(rows: rows, columns: 8, using: &rng),
                                    for: layer, inputScales: [Double](repeating: 1, count: rows))
        }
    }
}
