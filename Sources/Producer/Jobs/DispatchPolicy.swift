import Foundation

/// How the producer keeps a job alive against workers that never answer: deadlines, re-dispatch and
/// the failed-attempt budget (docs/RELIABILITY.md, "Liveness").
///
/// A dispatch's deadline is `max(floor, latencyMultiplier × median latency of the last verified
/// dispatches)`, doubled for each dispatch of the same batch segment that already went unanswered (at
/// most 16×), so a slow fleet is not flooded with copies. A dispatch that passes its deadline is
/// dispatched again as a new attempt; that costs nothing from the budget, because an unanswered
/// dispatch is not a failed verification. Only verdicts count: `maxFailedAttempts` failed or rejected
/// attempts end the batch as failed.
public struct DispatchPolicy: Sendable, Equatable {
    /// Failed or rejected attempts of one batch segment before the batch is failed (`--max-attempts`).
    public var maxFailedAttempts: Int
    /// The shortest deadline, and the deadline before any latency was observed (`--dispatch-timeout`).
    public var deadlineFloor: TimeInterval
    /// Deadline over the observed median latency.
    public var latencyMultiplier: Double
    /// Batches with a dispatch in flight at once (`--window`).
    public var window: Int
    /// Latencies kept for the median.
    public var latencySamples: Int

    public static let defaultMaxFailedAttempts = 5
    public static let defaultDeadlineFloor: TimeInterval = 30
    public static let defaultLatencyMultiplier = 4.0

    public init(maxFailedAttempts: Int = DispatchPolicy.defaultMaxFailedAttempts,
                deadlineFloor: TimeInterval = DispatchPolicy.defaultDeadlineFloor,
                latencyMultiplier: Double = DispatchPolicy.defaultLatencyMultiplier, window: Int = 16,
                latencySamples: Int = 32) {
        self.maxFailedAttempts = maxFailedAttempts
        self.deadlineFloor = deadlineFloor
        self.latencyMultiplier = latencyMultiplier
        self.window = window
        self.latencySamples = latencySamples
    }

    /// The deadline, in seconds after sending, of a dispatch that follows `unanswered` unanswered
    /// dispatches of the same batch segment, given the median observed latency (nil: none yet).
    public func timeout(medianLatency: TimeInterval?, unanswered: Int) -> TimeInterval {
        let base = max(deadlineFloor, latencyMultiplier * (medianLatency ?? 0))
        return base * pow(2, Double(min(max(unanswered, 0), 4)))
    }
}
