import Testing
@testable import SecureNets

/// The fast kernels behind the benchmarks compute what the straightforward code computed: bit for bit
/// where the operations are the same, within the documented float64 bound where only the order of a
/// float64 sum changed.
@Suite struct KernelEquivalenceTests {
    /// A reproducible matrix with entries spread over a few orders of magnitude and both signs.
    private static func matrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var state = seed
        let elements = (0..<(rows * columns)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)
            let magnitude = (unit * 8 - 4).exponentialish
            return state & 1 == 0 ? magnitude : -magnitude
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }

    @Test(arguments: [(1, 1, 1), (5, 7, 3), (9, 17, 13), (33, 70, 41)])
    func widenedProductStaysWithinTheFloat64Bound(shape: (Int, Int, Int)) {
        let (rows, inner, columns) = shape
        let a = Self.matrix(rows, inner, seed: 1), b = Self.matrix(inner, columns, seed: 2)
        let gamma = Double(inner) * 0x1p-53 / (1 - Double(inner) * 0x1p-53)
        let c = BLAS.widenedProduct(a, b)
        for i in 0..<rows {
            for j in 0..<columns {
                var sum = 0.0, magnitude = 0.0
                for k in 0..<inner {
                    sum += Double(a[i, k]) * Double(b[k, j])
                    magnitude += Swift.abs(Double(a[i, k]) * Double(b[k, j]))
                }
                let limit = 0x1p-24 * Swift.abs(Double(c[i, j])) + 2 * gamma * magnitude * 1.0001
                #expect(Swift.abs(Double(c[i, j]) - sum) <= limit, "entry \(i),\(j)")
            }
        }
    }

    @Test func widenedProductIsExactOnSmallIntegers() {
        let a = Matrix(rows: 4, columns: 9, elements: (0..<36).map { Float($0 % 7) - 3 })
        let b = Matrix(rows: 9, columns: 5, elements: (0..<45).map { Float($0 % 5) - 2 })
        #expect(BLAS.widenedProduct(a, b) == BLAS.product(a, b))
    }

    /// The worker's product with a layer's cached float64 weights is the uncached product, every time.
    @Test func layerProductWithCachedWeightsEqualsTheWidenedProduct() {
        let layer = BlindedLayer(weights: Self.matrix(21, 13, seed: 15), activation: .relu)
        for seed in [16, 17] as [UInt64] {
            let batch = Self.matrix(6, 21, seed: seed)
            #expect(Precision.exact.product(batch, layer) == BLAS.widenedProduct(batch, layer.weights))
            #expect(Precision.fast.product(batch, layer) == BLAS.product(batch, layer.weights))
        }
        #expect(layer == BlindedLayer(weights: layer.weights, activation: .relu))
    }

    /// The worker's fused exact pass (one pass per product writes Ẑ and the next float64 input) gives
    /// bit for bit the layer-by-layer composition of `Precision.exact.product` and the activation.
    @Test(arguments: [0, 1, 37, 300])
    func fusedExactForwardEqualsTheComposedLayers(rows: Int) throws {
        let layers = [BlindedLayer(weights: Self.matrix(29, 40, seed: 20), activation: .relu),
                      BlindedLayer(weights: Self.matrix(40, 33, seed: 21), activation: .leakyRelu(alpha: 0.01)),
                      BlindedLayer(weights: Self.matrix(33, 17, seed: 22), activation: .prelu(slopes: Self.slopes(17))),
                      BlindedLayer(weights: Self.matrix(17, 12, seed: 25), activation: .identity),
                      BlindedLayer(weights: Self.matrix(12, 5, seed: 23), activation: .sigmoid)]
        var input = Self.matrix(rows, 29, seed: 24)
        if rows > 0 { input[0, 0] = -0.0 }
        var activations = input
        var composed: [Matrix] = []
        for (offset, layer) in layers.enumerated() {
            composed.append(Precision.exact.product(activations, layer))
            if offset < layers.count - 1 { activations = layer.activation.applied(to: composed[offset]) }
        }
        let fused = try BlindedForward.run(input: input, layers: layers[...], precision: .exact)
        #expect(fused.map(\.rows) == composed.map(\.rows) && fused.map(\.columns) == composed.map(\.columns))
        #expect(fused.map { $0.elements.map(\.bitPattern) } == composed.map { $0.elements.map(\.bitPattern) })
        // A segment whose shapes do not chain is refused, naming the layer, before any product.
        #expect(throws: BlindingError.self) {
            try BlindedForward.run(input: input, layers: [layers[0], layers[3]][...], precision: .exact)
        }
    }

    @Test func fusedBlindAndUnblindEqualTheComposedSandwiches() {
        let x = Self.matrix(6, 5, seed: 3)
        var rng = SystemRandomNumberGenerator()
        let n = KeyGenerator().key(size: 6, signed: true, using: &rng)
        let m = KeyGenerator().key(size: 6, signed: true, using: &rng)
        let blinded = MonomialMatrix.sandwich(n, x, m, appendingOnesColumn: true, droppingLastColumn: false)
        #expect(blinded == MonomialMatrix.sandwich(n, x.appendingOnesColumn(), m))
        let unblinded = MonomialMatrix.sandwich(n.inverse, blinded, m.inverse, appendingOnesColumn: false,
                                                droppingLastColumn: true)
        #expect(unblinded == MonomialMatrix.sandwich(n.inverse, blinded, m.inverse).droppingLastColumn())
    }

    /// PRelu slopes for `count` columns: both signs, several magnitudes, and 1 (the homogeneous column's).
    static func slopes(_ count: Int) -> [Float] {
        (0..<count).map { [0.25, -0.5, 1, 0.01, 3][$0 % 5] }
    }

    @Test(arguments: [Activation.identity, .relu, .leakyRelu(alpha: 0.1), .sigmoid, .tanh, .prelu(slopes: slopes(11))])
    func fusedBiasAndActivationEqualTheTwoPasses(activation: Activation) {
        var values = Self.matrix(7, 11, seed: 4)
        values.elements[3] = -0.0
        values.elements[5] = .nan
        values.elements[8] = -.infinity
        let bias = Self.matrix(1, 11, seed: 5).elements
        var twoPasses = values
        twoPasses.addRowVector(bias)
        activation.apply(to: &twoPasses)
        var fused = values
        activation.apply(to: &fused, addingBias: bias)
        #expect(fused.elements.map(\.bitPattern) == twoPasses.elements.map(\.bitPattern))

        var elementWise = values
        for i in elementWise.elements.indices {
            elementWise.elements[i] = activation.apply(elementWise.elements[i], unit: i % 11)
        }
        var whole = values
        activation.apply(to: &whole)
        #expect(whole.elements.map(\.bitPattern) == elementWise.elements.map(\.bitPattern))
        #expect(activation.applied(to: values).elements.map(\.bitPattern) == elementWise.elements.map(\.bitPattern))
    }

    /// Each kernel version this CPU runs (baseline C, AVX2 + FMA and AVX-512 where present), with the
    /// next layer's activation applied by the kernels (ReLU; LeakyReLU and PRelu with one slope per
    /// column, `.prelu(slopes: [])` standing for `slopes(1030)`, which would spell out 1,030 numbers in
    /// the test's name), not applied (identity) and rebuilt in scratch rows (tanh).
    @Test(arguments: SketchKernels.available, [Activation.relu, .leakyRelu(alpha: 0.1), .prelu(slopes: []), .identity, .tanh])
    func sketchPassesMatchAFloat64Reference(kernels: SketchKernels, activation: Activation) {
        // 1,030 columns: eight-lane blocks plus a tail; enough rows to take the parallel path; an odd
        // number of rounds, so the last one is paired with itself.
        let (rows, columns, k) = (300, 1030, 3)
        let activation = activation == .prelu(slopes: []) ? .prelu(slopes: Self.slopes(columns)) : activation
        var m = Self.matrix(rows, columns, seed: 6)
        // ReLU's edge cases in the vector body and in the tails of every version: −0 and a negative
        // NaN become +0 (LeakyReLU keeps the NaN, so those rows' sums are NaN).
        for (row, column) in [(0, 3), (1, 1027), (2, 5)] { m[row, column] = -0.0 }
        m[3, 9] = -Float.nan
        m[4, 1029] = -Float.nan
        let vectors = Self.matrix(k, columns, seed: 7).elements.map(Double.init)
        let next = SketchProducts.Sums(rounds: k, rows: columns)
        for i in vectors.indices {
            next.signed[i] = vectors[i] * 0.5 - 1
            next.magnitude[i] = Swift.abs(vectors[i])
        }
        let sums = (0..<4).map { _ in SketchProducts.Sums(rounds: k, rows: rows) }
        let (weight, input, output, nextInput) = (sums[0], sums[1], sums[2], sums[3])
        ParallelRows.run([
            SketchProducts.weightPass(m, vectors: vectors, rounds: k, into: weight, kernels: kernels),
            SketchProducts.inputPass(m, weights: next, rounds: k, into: input, kernels: kernels),
            SketchProducts.outputPass(m, vectors: vectors, rounds: k, into: output,
                                      next: (activation: activation, weights: next, result: nextInput), kernels: kernels),
        ])
        for row in 0..<rows {
            for c in 0..<k {
                var plain = (0.0, 0.0), withMagnitudes = (0.0, 0.0), activated = (0.0, 0.0)
                for j in 0..<columns {
                    let x = Double(m[row, j]), y = Double(activation.apply(m[row, j], unit: j))
                    let (v, w, a) = (vectors[c * columns + j], next.signed[c * columns + j], next.magnitude[c * columns + j])
                    plain.0 += x * v
                    plain.1 += Swift.abs(x) * Swift.abs(v)
                    withMagnitudes.0 += x * w
                    withMagnitudes.1 += Swift.abs(x) * a
                    activated.0 += y * w
                    activated.1 += Swift.abs(y) * a
                }
                let i = c * rows + row
                // A NaN entry makes every sum over it NaN, except after ReLU, which clears it.
                func close(_ computed: Double, _ reference: Double, _ scale: Double) -> Bool {
                    if reference.isNaN { return computed.isNaN }
                    return Swift.abs(computed - reference) <= 2 * Double(columns) * 0x1p-53 * scale * 1.001
                }
                for sums in [weight, output] {
                    #expect(close(sums.signed[i], plain.0, plain.1) && close(sums.magnitude[i], plain.1, plain.1))
                }
                #expect(close(input.signed[i], withMagnitudes.0, withMagnitudes.1))
                #expect(close(input.magnitude[i], withMagnitudes.1, withMagnitudes.1))
                #expect(close(nextInput.signed[i], activated.0, activated.1))
                #expect(close(nextInput.magnitude[i], activated.1, activated.1))
            }
        }
    }

    /// The chained check, which never materializes σ(Ẑ), gives each layer exactly the check of that
    /// layer alone with σ(Ẑ) as its input, and stops at the first failure.
    @Test func chainedCheckEqualsLayerByLayerChecks() {
        let input = Self.matrix(20, 33, seed: 8)
        let weights = [Self.matrix(33, 9, seed: 9), Self.matrix(9, 5, seed: 18)]
        let first = BLAS.widenedProduct(input, weights[0])
        let second = BLAS.widenedProduct(Activation.relu.applied(to: first), weights[1])
        let check = FreivaldsCheck()

        var chainBits = ReplayedBits(seed: 10), layerBits = ReplayedBits(seed: 10)
        let chained = check.checkChain(input: input, weights: weights, outputs: [first, second],
                                       activations: [.relu], precision: .exact, using: &chainBits)
        let separate = [
            check.check(input: input, weights: weights[0], output: first, precision: .exact, using: &layerBits),
            check.check(input: Activation.relu.applied(to: first), weights: weights[1], output: second,
                        precision: .exact, using: &layerBits),
        ]
        #expect(chained == separate)
        #expect(chained.allSatisfy { $0.passed })

        var tampered = second
        tampered[2, 3] += 10
        var bits = ReplayedBits(seed: 11)
        let caught = check.checkChain(input: input, weights: weights, outputs: [first, tampered],
                                      activations: [.relu], precision: .exact, using: &bits)
        #expect(caught.count == 2 && caught[0].passed && !caught[1].passed)

        var early = first
        early[0, 0] += 10
        let stopped = check.checkChain(input: input, weights: weights, outputs: [early, second],
                                       activations: [.relu], precision: .exact, using: &bits)
        #expect(stopped.count == 1 && !stopped[0].passed)

        let misshapen = check.checkChain(input: input, weights: weights, outputs: [first, Self.matrix(20, 4, seed: 19)],
                                         activations: [.relu], precision: .exact, using: &bits)
        #expect(misshapen.count == 2 && misshapen[0].passed && misshapen[1].failure?.hasPrefix("shape:") == true)
    }

    @Test func checkCatchesChangesAndNonFiniteOutputs() {
        let input = Self.matrix(16, 40, seed: 11), weights = Self.matrix(40, 12, seed: 12)
        let honest = BLAS.widenedProduct(input, weights)
        #expect(FreivaldsCheck().check(input: input, weights: weights, output: honest, precision: .exact).passed)

        var changed = honest
        changed[3, 4] = changed[3, 4] * 1.01 + 1
        #expect(!FreivaldsCheck().check(input: input, weights: weights, output: changed, precision: .exact).passed)

        var infinite = honest
        infinite[5, 0] = .infinity
        let result = FreivaldsCheck().check(input: input, weights: weights, output: infinite, precision: .exact)
        #expect(!result.passed && result.failure == "output contains NaN or Inf")
        var notANumber = honest
        notANumber[0, 11] = .nan
        #expect(FreivaldsCheck().check(input: input, weights: weights, output: notANumber, precision: .exact).failure
                == "output contains NaN or Inf")
    }

    /// An infinite input entry makes that row's residual ratio NaN (∞/∞); later, finite rows must not
    /// overwrite it and let the check pass.
    @Test(arguments: [Float.infinity, .nan])
    func aNonFiniteInputFailsTheCheck(value: Float) {
        var input = Self.matrix(8, 10, seed: 13)
        let weights = Self.matrix(10, 6, seed: 14)
        let output = BLAS.widenedProduct(input, weights)
        input[0, 0] = value
        #expect(!FreivaldsCheck().check(input: input, weights: weights, output: output, precision: .exact).passed)
    }
}

/// Replays one recorded stream of random words, so two checks draw the same random vectors.
private struct ReplayedBits: RandomNumberGenerator {
    private static let recorded: [UInt64] = {
        var system = SystemRandomNumberGenerator()
        return (0..<4096).map { _ in system.next() }
    }()
    private var position: Int

    init(seed: Int) { position = seed }

    mutating func next() -> UInt64 {
        defer { position += 1 }
        return Self.recorded[position % Self.recorded.count]
    }
}

private extension Float {
    /// 2^self, for spreading test values over orders of magnitude.
    var exponentialish: Float { Float(sign: .plus, exponent: Int(self.rounded(.down)), significand: 1 + (self - self.rounded(.down))) }
}
