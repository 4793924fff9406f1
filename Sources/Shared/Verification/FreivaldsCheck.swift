import Foundation

/// The randomized product check of DESIGN §4: is `Z ≈ A·W` up to the worker's own rounding?
///
/// For `k` random vectors r (random sign, magnitude in [1, 2), drawn from a CSPRNG after the result
/// exists) it compares `u = Z·r` with `v = A·(W·r)` in float64 against an entry-wise bound derived from
/// the worker's arithmetic, not tuned. An honest worker can never fail; any change of an entry larger
/// than the bound at that row is caught, since `|r_j| ≥ 1`. Cost O(k·(B·K + K·N + B·N)) instead of
/// O(B·K·N).
public struct FreivaldsCheck: Sendable {
    /// Number of random vectors; each is an independent chance to expose a cheat that cancels out.
    public var rounds: Int

    public init(rounds: Int = 2) {
        precondition(rounds >= 1, "at least one round")
        self.rounds = rounds
    }

    /// Checks one layer. `a` is the layer's (blinded) input, `w` its weights, `z` the claimed product.
    public func check(input a: Matrix, weights w: Matrix, output z: Matrix, precision: Precision) -> LayerCheck {
        var rng = SystemRandomStream()
        return check(input: a, weights: w, output: z, precision: precision, using: &rng)
    }

    /// Same, with an explicit generator (tests); production uses the system CSPRNG.
    public func check<G: RandomNumberGenerator>(input a: Matrix, weights w: Matrix, output z: Matrix,
                                                precision: Precision, using rng: inout G) -> LayerCheck {
        checkChain(input: a, weights: [w], outputs: [z], activations: [], precision: precision, using: &rng)[0]
    }

    /// Checks consecutive layers: layer 0 maps `input` to `outputs[0]`, layer l > 0 maps
    /// σ_{l−1}(`outputs[l−1]`) to `outputs[l]` (σ_{l−1} = `activations[l−1]`), each with `weights[l]`.
    /// Returns one check per layer, up to and including the first that fails; each is what `check`
    /// gives for that layer with σ_{l−1}(`outputs[l−1]`) as its input.
    ///
    /// The layers share passes: every output matrix is read once, for its own `Ẑ·r` and for the next
    /// layer's `σ(Ẑ)·(W·r)`, and σ(Ẑ) is never materialized. The random vectors are drawn layer by layer
    /// in the order `check` would draw them.
    func checkChain<G: RandomNumberGenerator>(input: Matrix, weights: [Matrix], outputs: [Matrix],
                                              activations: [Activation], precision: Precision,
                                              using rng: inout G) -> [LayerCheck] {
        precondition(weights.count == outputs.count && activations.count == Swift.max(weights.count - 1, 0))
        // Layers 0..<checkable have consistent shapes; layer `checkable` (if any) fails on its shape,
        // reported after the layers before it pass.
        var checkable = 0
        var shapeFailure: LayerCheck?
        for l in weights.indices {
            let layerInput = l == 0 ? input : outputs[l - 1]
            let (w, z) = (weights[l], outputs[l])
            guard w.rows == layerInput.columns, z.rows == layerInput.rows, z.columns == w.columns else {
                shapeFailure = LayerCheck(passed: false, maxResidualRatio: .infinity,
                                          failure: "shape: input \(layerInput.shapeDescription), weights \(w.shapeDescription), output \(z.shapeDescription)")
                break
            }
            checkable += 1
        }

        let k = rounds
        let vectors = (0..<checkable).map { l in randomVectors(count: weights[l].columns, using: &rng) }
        let weightSums = (0..<checkable).map { l in SketchProducts.Sums(rounds: k, rows: weights[l].rows) }
        let inputSums = (0..<checkable).map { l in SketchProducts.Sums(rounds: k, rows: input.rows) }
        let outputSums = (0..<checkable).map { l in SketchProducts.Sums(rounds: k, rows: outputs[l].rows) }
        // Two parallel regions: every W·r first, then every pass over the batch (the input's and each
        // output's, which also forms the next layer's input products), all independent of each other.
        ParallelRows.run((0..<checkable).map { l in
            SketchProducts.weightPass(weights[l], vectors: vectors[l], rounds: k, into: weightSums[l])
        })
        ParallelRows.run((checkable > 0 ? [SketchProducts.inputPass(input, weights: weightSums[0], rounds: k, into: inputSums[0])] : [])
            + (0..<checkable).map { l in
                let next = l + 1 < checkable ? (activation: activations[l], weights: weightSums[l + 1], result: inputSums[l + 1]) : nil
                return SketchProducts.outputPass(outputs[l], vectors: vectors[l], rounds: k, into: outputSums[l], next: next)
            })

        var results: [LayerCheck] = []
        for l in 0..<checkable {
            let result = verdict(output: outputSums[l], input: inputSums[l], vectors: vectors[l],
                                 inner: weights[l].rows, outputs: weights[l].columns, precision: precision)
            results.append(result)
            if !result.passed { return results }
        }
        if let shapeFailure { results.append(shapeFailure) }
        return results
    }

    /// k vectors r of `count` entries (random sign, magnitude in [1, 2)) as k × count, one 64-bit word
    /// per entry: the top 52 bits are the fraction of the magnitude 1.f (uniform on the 2⁵² doubles in
    /// [1, 2)), the lowest bit is the sign. Built from the bits directly, so that drawing costs a
    /// fraction of the check; `Double.random(in:)` and `Bool.random` took two words and a tenth of
    /// the whole check's time. Drawn entry by entry, all rounds of entry j before entry j + 1.
    private func randomVectors<G: RandomNumberGenerator>(count: Int, using rng: inout G) -> [Double] {
        var r = [Double](repeating: 0, count: count * rounds)
        for j in 0..<count {
            for c in 0..<rounds {
                let word = rng.next()
                let magnitude = Double(sign: .plus, exponentBitPattern: 1023, significandBitPattern: word >> 12)
                r[c * count + j] = word & 1 == 0 ? magnitude : -magnitude
            }
        }
        return r
    }

    /// Compares u = Ẑ·r with v = A·(W·r) row by row against the derived bound.
    private func verdict(output: SketchProducts.Sums, input: SketchProducts.Sums, vectors r: [Double],
                         inner: Int, outputs: Int, precision: Precision) -> LayerCheck {
        let k = rounds, batch = output.rows
        let (u, absZabsR) = (output.signed, output.magnitude)
        let (v, absAabsWabsR) = (input.signed, input.magnitude)
        // Σ_j |Ẑ_ij|·|r_j| is finite exactly when row i of Ẑ is (|Ẑ_ij| < 2¹²⁸ and |r_j| ≤ 2 cannot
        // overflow float64): the NaN/Inf test on the output, without another pass over it.
        guard (0..<(k * batch)).allSatisfy({ absZabsR[$0].isFinite }) else {
            return LayerCheck(passed: false, maxResidualRatio: .infinity, failure: "output contains NaN or Inf")
        }
        let bound = ResidualBound(precision: precision, innerDimension: inner, outputDimension: outputs)
        let rNorm1 = (0..<k).map { c in r[(c * outputs)..<((c + 1) * outputs)].reduce(0) { $0 + Swift.abs($1) } }

        var worst = 0.0
        for row in 0..<batch {
            for c in 0..<k {
                let i = c * batch + row
                let residual = Swift.abs(u[i] - v[i])
                let limit = bound.limit(outputTimesR: absZabsR[i], inputTimesWeightsTimesR: absAabsWabsR[i],
                                        rNorm1: rNorm1[c])
                let ratio = limit > 0 ? residual / limit : (residual == 0 ? 0 : .infinity)
                // A NaN ratio (from a non-finite input) must stick and fail the check.
                if !worst.isNaN, !(ratio <= worst) { worst = ratio }
            }
        }
        let passed = worst <= 1
        return LayerCheck(passed: passed, maxResidualRatio: worst,
                          failure: passed ? nil : "residual \(String(format: "%.3g", worst))× its bound")
    }
}

/// The outcome of one layer's check.
public struct LayerCheck: Sendable, Equatable {
    public let passed: Bool
    /// The largest `|u − v|` divided by its bound over rows and rounds: ≤ 1 passes.
    public let maxResidualRatio: Double
    /// Why it failed, when it did.
    public let failure: String?
}
