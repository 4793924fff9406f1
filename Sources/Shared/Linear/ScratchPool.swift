import Foundation

/// Reused float64 scratch buffers for `BLAS.widenedProduct`.
///
/// The float64 copies a product needs (the widened batch, the accumulator) are 33 MB each for a
/// 1024-row batch of a 4096-wide layer. glibc hands blocks above 32 MB out as freshly mapped pages,
/// and a fresh page costs far more than writing it (about 0.6 ms per MB on the machine of
/// docs/BENCHMARKS.md, 15× a `memset` of the same bytes), so allocating them per call added about a
/// tenth to the worker's product. The pool keeps up to `capacity` buffers for the next call; the
/// price is that the process keeps that memory.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool(capacity: 4)

    /// How many idle buffers are kept; the smallest goes when one more is given back.
    let capacity: Int
    private let lock = NSLock()
    private var idle: [UnsafeMutableBufferPointer<Double>] = []

    init(capacity: Int) { self.capacity = capacity }

    /// Lends `body` a buffer of at least `count` doubles, uninitialized or holding old values.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        let buffer = take(count)
        defer { giveBack(buffer) }
        return try body(buffer.baseAddress!)
    }

    private func take(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
        lock.lock()
        let best = idle.indices.filter { idle[$0].count >= count }.min { idle[$0].count < idle[$1].count }
        let reused = best.map { idle.remove(at: $0) }
        lock.unlock()
        return reused ?? .allocate(capacity: Swift.max(count, 1))
    }

    private func giveBack(_ buffer: UnsafeMutableBufferPointer<Double>) {
        lock.lock()
        idle.append(buffer)
        var evicted: UnsafeMutableBufferPointer<Double>?
        if idle.count > capacity, let smallest = idle.indices.min(by: { idle[$0].count < idle[$1].count }) {
            evicted = idle.remove(at: smallest)
        }
        lock.unlock()
        evicted?.deallocate()
    }
}
