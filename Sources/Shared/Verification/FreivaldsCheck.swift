import Foundation

/// The randomized product check of DESIGN §4: is `Z ≈ A·W` up to the worker's own rounding?
///
/// For `k` random vectors r (random sign, magnitude in [1, 2], drawn from a CSPRNG after the result
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
        var rng = SystemRandomNumberGenerator()
        return check(input: a, weights: w, output: z, precision: precision, using: &rng)
    }

    /// Same, with an explicit generator (tests); production uses the system CSPRNG.
    public func check<G: RandomNumberGenerator>(input a: Matrix, weights w: Matrix, output z: Matrix,
                                                precision: Precision, using rng: inout G) -> LayerCheck {
        let batch = a.rows, inner = a.columns, outputs = w.columns
        guard w.rows == inner, z.rows == batch, z.columns == outputs else {
            return LayerCheck(passed: false, maxResidualRatio: .infinity,
                              failure: "shape: input \(a.shapeDescription), weights \(w.shapeDescription), output \(z.shapeDescription)")
        }
        guard z.isFinite else {
            return LayerCheck(passed: false, maxResidualRatio: .infinity, failure: "output contains NaN or Inf")
        }
        let k = rounds
        // r as an outputs×k matrix, and |r|.
        var r = [Double](repeating: 0, count: outputs * k)
        for i in r.indices {
            let magnitude = Double.random(in: 1...2, using: &rng)
            r[i] = Bool.random(using: &rng) ? magnitude : -magnitude
        }
        let absR = r.map(Swift.abs)

        let wideW = w.elements.map(Double.init), absW = wideW.map(Swift.abs)
        let wideA = a.elements.map(Double.init), absA = wideA.map(Swift.abs)
        let wideZ = z.elements.map(Double.init), absZ = wideZ.map(Swift.abs)

        var wr = [Double](repeating: 0, count: inner * k), absWabsR = wr
        BLAS.dgemm(wideW, rows: inner, inner: outputs, r, columns: k, into: &wr)
        BLAS.dgemm(absW, rows: inner, inner: outputs, absR, columns: k, into: &absWabsR)
        var v = [Double](repeating: 0, count: batch * k), absAabsWabsR = v
        BLAS.dgemm(wideA, rows: batch, inner: inner, wr, columns: k, into: &v)
        BLAS.dgemm(absA, rows: batch, inner: inner, absWabsR, columns: k, into: &absAabsWabsR)
        var u = [Double](repeating: 0, count: batch * k), absZabsR = u
        BLAS.dgemm(wideZ, rows: batch, inner: outputs, r, columns: k, into: &u)
        BLAS.dgemm(absZ, rows: batch, inner: outputs, absR, columns: k, into: &absZabsR)

        let bound = ResidualBound(precision: precision, innerDimension: inner, outputDimension: outputs)
        var rNorm1 = [Double](repeating: 0, count: k)
        for j in 0..<outputs { for c in 0..<k { rNorm1[c] += absR[j * k + c] } }

        var worst = 0.0
        for i in 0..<(batch * k) {
            let residual = Swift.abs(u[i] - v[i])
            let limit = bound.limit(outputTimesR: absZabsR[i], inputTimesWeightsTimesR: absAabsWabsR[i],
                                    rNorm1: rNorm1[i % k])
            let ratio = limit > 0 ? residual / limit : (residual == 0 ? 0 : .infinity)
            if !(ratio <= worst) { worst = ratio }  // also catches NaN
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
