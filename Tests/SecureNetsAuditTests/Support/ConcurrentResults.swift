import Foundation

/// Results written by several threads, each into its own slot.
final class ConcurrentResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Value, Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var values: [Result<Value, Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
