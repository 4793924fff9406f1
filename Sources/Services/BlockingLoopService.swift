import Foundation
import ServiceLifecycle

/// Runs a blocking message loop (rabbitmq-c and libpq are blocking C APIs) on its own thread as a
/// swift-service-lifecycle `Service`.
///
/// Graceful shutdown (SIGTERM/SIGINT through `ServiceGroup`) raises `StopSignal`; the loop checks it
/// between messages, so the message in flight is finished (or returned) before the loop returns.
public struct BlockingLoopService: Service {
    public let name: String
    private let loop: @Sendable (StopSignal) throws -> Void

    public init(name: String, loop: @escaping @Sendable (StopSignal) throws -> Void) {
        self.name = name
        self.loop = loop
    }

    public func run() async throws {
        let stop = StopSignal()
        let loop = self.loop
        let name = self.name
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let thread = Thread {
                    do {
                        try loop(stop)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = name
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: {
            stop.raise()
        }
    }
}

/// A one-way flag a blocking loop polls to know it should stop.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    public func raise() { lock.withLock { raised = true } }
    public var isRaised: Bool { lock.withLock { raised } }

    /// Sleeps up to `seconds`, waking early when raised. Returns true if raised.
    @discardableResult
    public func wait(seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if isRaised { return true }
            Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow)))
        }
        return isRaised
    }

    /// ``wait(seconds:)`` for a `Duration`.
    @discardableResult
    public func wait(for duration: Duration) -> Bool {
        wait(seconds: duration / .seconds(1))
    }
}
