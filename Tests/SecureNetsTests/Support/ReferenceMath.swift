import Foundation
@testable import SecureNets

/// Independent reference computations: dense versions of monomial keys, a float64 forward pass written
/// with plain loops, and a componentwise bound on how far the secure output may be from the plaintext one.
enum ReferenceMath {
    static let u32 = 0x1p-24

    /// The dense n×n matrix of a monomial key: row i holds `scales[i]` in column `permutation[i]`.
    static func dense(_ key: MonomialMatrix) -> Matrix {
        var result = Matrix(rows: key.size, columns: key.size)
        for i in 0..<key.size { result[i, key.permutation[i]] = Float(key.scales[i]) }
        return result
    }

    /// σ in float64.
    static func activate(_ activation: Activation, _ x: Double) -> Double {
        switch activation {
        case .identity: x
        case .relu: max(x, 0)
        case .leakyRelu(let alpha): x >= 0 ? x : Double(alpha) * x
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .tanh: Foundation.tanh(x)
        case .elu(let alpha): x >= 0 ? x : Double(alpha) * Foundation.expm1(x)
        case .selu(let alpha, let gamma): Double(gamma) * (x > 0 ? x : Double(alpha) * Foundation.expm1(x))
        case .softplus: Foundation.log(1 + Foundation.exp(x))
        case .hardSigmoid(let alpha, let beta): max(0, min(1, Double(alpha) * x + Double(beta)))
        case .clip(let low, let high): min(max(x, Double(low)), Double(high))
        case .gelu(false): 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
        case .gelu(true): 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        case .prelu: preconditionFailure("PRelu depends on the unit; the reference models here have none")
        }
    }

    /// Row-major float64 `|a|·|w|` or `a·w` with plain loops (no BLAS): B×K times K×N.
    static func product(_ a: [Double], rows: Int, inner: Int, _ w: [Double], columns: Int,
                        absolute: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: rows * columns)
        a.withUnsafeBufferPointer { pa in
            w.withUnsafeBufferPointer { pw in
                c.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<rows {
                        for k in 0..<inner {
                            let aik = absolute ? Swift.abs(pa[i * inner + k]) : pa[i * inner + k]
                            if aik == 0 { continue }
                            for j in 0..<columns {
                                let wkj = absolute ? Swift.abs(pw[k * columns + j]) : pw[k * columns + j]
                                pc[i * columns + j] += aik * wkj
                            }
                        }
                    }
                }
            }
        }
        return c
    }

    /// A componentwise first-order bound on |secure output − `Network.forward`|, both in float32, valid
    /// for either chaining mode and either precision, as a row-major B × outputs array.
    ///
    /// Per layer l with K = inputs + 1 and `mag = |A|·|W| + |b|` (float64, from exact activations):
    /// - plaintext `sgemm` + bias: ≤ (γ₃₂_K + u₃₂)·mag;
    /// - secure side: the blinded input and weights are each rounded once to float32 (≤ u₃₂·mag each),
    ///   the product is either float64 (≈ 0) or `sgemm` (≤ γ₃₂_K·mag), the blinded output is rounded
    ///   (≤ u₃₂·|Z|) and the unblinded one too (≤ u₃₂·|Z|); monomial keys only scale entries, so
    ///   every rounding stays relative to its own entry;
    /// - together ≤ (2K + 6)·u₃₂·mag; we use (2K + 16)·u₃₂·mag.
    /// An error ΔA of the layer's input adds |ΔA|·|W|. Every activation used is 1-Lipschitz (LeakyReLU
    /// with α ≤ 1, sigmoid, tanh), so ΔA_l ≤ ΔZ_l plus the evaluation error of σ on each side and the
    /// re-blinding rounding of per-layer mode (≤ 8·u₃₂·|A_l|). A final softmax changes each probability by
    /// at most 2·max_j ΔZ_j. The result is doubled to cover the second-order terms this analysis drops.
    static func forwardErrorBound(network: Network, input: Matrix) -> [Double] {
        let rows = input.rows
        var activations = input.elements.map(Double.init)
        var error = [Double](repeating: 0, count: activations.count)
        var width = input.columns
        for layer in network.layers {
            let outputs = layer.outputCount
            let weights = layer.weights.elements.map(Double.init)
            var magnitude = product(activations, rows: rows, inner: width, weights, columns: outputs, absolute: true)
            let propagated = product(error, rows: rows, inner: width, weights, columns: outputs, absolute: true)
            var z = product(activations, rows: rows, inner: width, weights, columns: outputs, absolute: false)
            let coefficient = Double(2 * (width + 1) + 16) * u32
            for i in 0..<rows {
                for j in 0..<outputs {
                    let index = i * outputs + j
                    magnitude[index] += Swift.abs(Double(layer.bias[j]))
                    z[index] += Double(layer.bias[j])
                }
            }
            activations = z.map { activate(layer.activation, $0) }
            error = (0..<z.count).map { index in
                propagated[index] + coefficient * magnitude[index] + 8 * u32 * Swift.abs(activations[index])
            }
            width = outputs
        }
        if network.endsInSoftmax {
            for i in 0..<rows {
                let rowError = error[(i * width)..<((i + 1) * width)].max() ?? 0
                for j in 0..<width { error[i * width + j] = 2 * rowError + 8 * u32 }
            }
        }
        return error.map { 2 * $0 + 1e-30 }
    }

    /// The float64 forward pass (logits, or probabilities after a final softmax), with plain loops.
    static func float64Forward(network: Network, input: Matrix) -> [Double] {
        let rows = input.rows
        var activations = input.elements.map(Double.init)
        var width = input.columns
        for layer in network.layers {
            var z = product(activations, rows: rows, inner: width, layer.weights.elements.map(Double.init),
                            columns: layer.outputCount, absolute: false)
            for i in 0..<rows { for j in 0..<layer.outputCount { z[i * layer.outputCount + j] += Double(layer.bias[j]) } }
            activations = z.map { activate(layer.activation, $0) }
            width = layer.outputCount
        }
        if network.endsInSoftmax {
            for i in 0..<rows {
                let row = activations[(i * width)..<((i + 1) * width)]
                let top = row.max() ?? 0
                let exps = row.map { Foundation.exp($0 - top) }
                let sum = exps.reduce(0, +)
                for (j, e) in exps.enumerated() { activations[i * width + j] = e / sum }
            }
        }
        return activations
    }

    /// Every entry rounded to float16 and back: what a worker taking a half-precision shortcut computes with.
    static func roundedToFloat16(_ matrix: Matrix) -> Matrix {
        Matrix(rows: matrix.rows, columns: matrix.columns, elements: matrix.elements.map { Float(Float16($0)) })
    }

    /// Mean |entry| of row `row`.
    static func meanMagnitude(_ matrix: Matrix, row: Int) -> Double {
        matrix.row(row).reduce(0) { $0 + Double(Swift.abs($1)) } / Double(matrix.columns)
    }

    /// Lowercase hex of bytes.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// A tensor's wire bytes written by hand from docs/PROTOCOL.md: rows u32 LE, columns u32 LE, float32 LE.
    static func tensorBytes(_ matrix: Matrix) -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        return le32(UInt32(matrix.rows)) + le32(UInt32(matrix.columns)) + matrix.elements.flatMap { le32($0.bitPattern) }
    }
}
