/// Per-output-unit symmetric quantization of a layer's weights (DESIGN §8).
///
/// Column j (output unit j) gets the scale s_j = max_k |W_kj| / L with L = 2^(w−1) − 1, and
/// W_q[k][j] = round(W_kj / s_j), so |W_kj − s_j·W_q[k][j]| ≤ s_j/2 and |W_q| ≤ L. An all-zero column
/// gets s_j = 1 (its quantized weights are all 0, exactly). Computed in float64.
public enum WeightQuantization {
    /// The quantized weights and the per-column scales of `weights` (inputs × outputs) at `bits` bits.
    /// Throws `MaskedModeError.nonFinite` for NaN or infinite weights (naming `layer`, `name`).
    public static func quantize(_ weights: Matrix, bits: Int, layer: Int, name: String) throws
        -> (weights: QuantizedWeights, scales: [Double]) {
        guard weights.isFinite else { throw MaskedModeError.nonFinite(layer: layer, name: name, what: "weights") }
        let rows = weights.rows, columns = weights.columns
        let limit = Double((1 << (bits - 1)) - 1)
        var largest = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns { largest[c] = max(largest[c], Double(abs(weights.elements[r * columns + c]))) }
        }
        let scales = largest.map { $0 > 0 ? $0 / limit : 1 }
        let inverse = scales.map { 1 / $0 }
        var values = [Int32](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let scaled = Double(weights.elements[r * columns + c]) * inverse[c]
                values[r * columns + c] = Int32(min(max(scaled.rounded(), -limit), limit))
            }
        }
        return (try QuantizedWeights(rows: rows, columns: columns, values: values), scales)
    }
}
