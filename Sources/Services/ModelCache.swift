import Foundation
import SecureNets

/// Published models (blinded or quantized) by digest, least recently used evicted first, bounded by total weight bytes.
///
/// A model larger than the whole budget is still returned to its caller but not kept. Thread-safe.
public final class ModelCache: @unchecked Sendable {
    public let maxBytes: Int
    private let lock = NSLock()
    private var entries: [String: (model: PublishedModel, bytes: Int, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    public init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Bytes currently held.
    public var heldBytes: Int { lock.withLock { entries.values.reduce(0) { $0 + $1.bytes } } }

    public var count: Int { lock.withLock { entries.count } }

    public func model(for digest: String) -> PublishedModel? {
        lock.withLock {
            guard var entry = entries[digest] else { return nil }
            clock += 1
            entry.lastUse = clock
            entries[digest] = entry
            return entry.model
        }
    }

    public func insert(_ model: PublishedModel, digest: String) {
        let bytes = model.weightBytes
        guard bytes <= maxBytes else { return }
        lock.withLock {
            clock += 1
            entries[digest] = (model, bytes, clock)
            var held = entries.values.reduce(0) { $0 + $1.bytes }
            while held > maxBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                held -= oldest.value.bytes
                entries.removeValue(forKey: oldest.key)
            }
        }
    }
}
