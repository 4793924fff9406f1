import Foundation

/// What the producer applies to the last layer's output after unblinding: nothing (logits), a row
/// softmax (probabilities) or a row log-softmax (log-probabilities). Never run by a worker: it mixes
/// the entries of a row, which blinding permutes and scales.
public enum OutputNormalization: String, Sendable, Equatable, Hashable, Codable {
    case none
    case softmax
    case logSoftmax = "log_softmax"

    /// Applies the normalization to every row of `matrix` in place.
    public func apply(to matrix: inout Matrix) {
        switch self {
        case .none: return
        case .softmax: matrix.applyRowSoftmax()
        case .logSoftmax: Self.applyRowLogSoftmax(&matrix)
        }
    }

    /// x − max − log Σ e^(x − max) per row: stable, and in float64 for the sum and its log so the
    /// result is within a float32 rounding of the exact value.
    static func applyRowLogSoftmax(_ matrix: inout Matrix) {
        let columns = matrix.columns, rows = matrix.rows
        guard columns > 0 else { return }
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows {
                let base = r * columns
                var maximum = -Float.infinity
                for c in 0..<columns { maximum = Swift.max(maximum, buffer[base + c]) }
                var sum: Double = 0
                for c in 0..<columns { sum += Foundation.exp(Double(buffer[base + c] - maximum)) }
                let logSum = Foundation.log(sum)
                for c in 0..<columns { buffer[base + c] = Float(Double(buffer[base + c] - maximum) - logSum) }
            }
        }
    }
}
