import Foundation

/// A layer's weights in float64, made once and shared by every copy of the layer.
///
/// An exact-precision worker multiplies the same blinded weights by every batch; widening a
/// 4096 × 4096 weight costs about 5 % of the product each time, and far more at small batches, where
/// the weight dwarfs the batch. The copy is made on the first exact product and lives as long as the
/// layer: such a worker holds each weight in 12 bytes instead of 4.
final class WidenedWeights: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Double]?

    init() {}

    /// The float64 copy of `weights` (which must be the matrix this cache belongs to).
    func elements(of weights: Matrix) -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        if let elements { return elements }
        let wide = [Double](unsafeUninitializedCapacity: weights.elements.count) { target, initialized in
            weights.elements.withUnsafeBufferPointer { source in
                if let from = source.baseAddress, let to = target.baseAddress {
                    Widening.widen(from, stride: weights.columns, into: to, stride: weights.columns,
                                   rows: weights.rows, columns: weights.columns)
                }
            }
            initialized = weights.elements.count
        }
        elements = wide
        return wide
    }
}
