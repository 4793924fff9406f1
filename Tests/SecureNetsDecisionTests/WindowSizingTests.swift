import Testing
@testable import SecureNetsProducer

/// The automatic window: two batches per worker, at least two, and never more job bytes waiting in the
/// broker than the budget.
@Suite struct WindowSizingTests {
    @Test func twoBatchesPerWorkerWithAFloor() {
        #expect(WindowSizing.window(consumers: nil, messageBytes: 1000) == WindowSizing.minimum)
        #expect(WindowSizing.window(consumers: 0, messageBytes: 1000) == WindowSizing.minimum)
        #expect(WindowSizing.window(consumers: 1, messageBytes: 1000) == 2)
        #expect(WindowSizing.window(consumers: 7, messageBytes: 1000) == 14)
        #expect(WindowSizing.window(consumers: 100_000, messageBytes: 1) == WindowSizing.maximum)
    }

    @Test func theBacklogBudgetCapsLargeMessages() {
        // 16 MiB jobs: 16 fit the 256 MiB budget, whatever the fleet.
        #expect(WindowSizing.window(consumers: 50, messageBytes: 16 << 20) == 16)
        #expect(WindowSizing.window(consumers: 50, messageBytes: 1 << 30) == WindowSizing.minimum)
        for consumers in [1, 3, 20, 500] {
            for bytes in [1 << 10, 1 << 20, 1 << 24] {
                let window = WindowSizing.window(consumers: consumers, messageBytes: bytes)
                #expect(window >= WindowSizing.minimum && window <= 2 * consumers || window == WindowSizing.minimum)
                #expect(window == WindowSizing.minimum || window * bytes <= WindowSizing.backlogBudgetBytes)
            }
        }
    }
}
