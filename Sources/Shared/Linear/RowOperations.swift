import Foundation

extension Matrix {
    /// Adds `vector` to every row (the bias of an affine layer).
    public mutating func addRowVector(_ vector: [Float]) {
        precondition(vector.count == columns)
        let columns = columns
        elements.withUnsafeMutableBufferPointer { buffer in
            vector.withUnsafeBufferPointer { v in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { buffer[base + c] += v[c] }
                }
            }
        }
    }

    /// Replaces every row by its softmax, computed stably (the row maximum is subtracted first).
    public mutating func applyRowSoftmax() {
        let columns = columns
        guard columns > 0 else { return }
        elements.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows {
                let base = r * columns
                var maximum = -Float.infinity
                for c in 0..<columns { maximum = Swift.max(maximum, buffer[base + c]) }
                var sum: Double = 0
                for c in 0..<columns {
                    let e = Foundation.exp(buffer[base + c] - maximum)
                    buffer[base + c] = e
                    sum += Double(e)
                }
                for c in 0..<columns { buffer[base + c] = Float(Double(buffer[base + c]) / sum) }
            }
        }
    }

    /// The index of the largest entry of each row (first one on ties): the predicted labels.
    public func rowArgmax() -> [Int] {
        (0..<rows).map { r in
            var best = 0
            for c in 1..<Swift.max(columns, 1) where self[r, c] > self[r, best] { best = c }
            return best
        }
    }
}
