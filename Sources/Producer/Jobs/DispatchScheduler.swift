import Foundation

/// The producer's liveness bookkeeping for one job, without any I/O: which batch segment to dispatch,
/// when a dispatch is overdue, what a reply means, and when a batch has failed for good. `JobRunner`
/// performs the actions it returns and tells it what happened; every rule is unit-tested with a fake
/// clock.
///
/// Rules:
/// - at most `policy.window` batches have a dispatch in flight; a finished batch frees its place;
/// - a dispatch past its deadline is dispatched again as the next attempt (a *lost* dispatch: no budget);
/// - a failed or rejected reply about a dispatched attempt counts once against the batch's budget and
///   triggers the next attempt at once, unless the budget is spent: then the batch fails with the reason;
/// - the first passed reply about any dispatched attempt of the batch's current segment is applied
///   (the verifier lets only one attempt of a segment pass, so refusing an earlier attempt's pass would
///   leave the segment unable to ever pass); every other reply is ignored and said to be late.
public struct DispatchScheduler: Sendable {
    public private(set) var policy: DispatchPolicy
    public let batchCount: Int
    private var batches: [Batch]
    private var nextFresh = 0
    private var latencies: [TimeInterval] = []

    /// One dispatched attempt.
    public struct Dispatch: Sendable, Equatable {
        public let attempt: Int
        public let manifestSHA256: String
        public let sentAt: TimeInterval
        public let deadline: TimeInterval
    }

    struct Batch: Sendable {
        var status: Status = .waiting
        var segment = 0
        var dispatches: [Int: Dispatch] = [:]  // attempt → dispatch, of the current segment
        var countedFailures: Set<Int> = []
        var lastFailure = ""
        var unanswered = 0
        var redispatched = 0

        enum Status: Sendable, Equatable { case waiting, active, awaitingNextSegment, done, failed }
        var latestAttempt: Int { dispatches.keys.max() ?? 0 }
    }

    /// What the runner must do next.
    public enum Action: Sendable, Equatable {
        /// Blind and publish `segment` of `batch` as `attempt`, then call `dispatched`.
        case dispatch(batch: Int, segment: Int, attempt: Int, because: Cause)
        /// The batch has failed for good (journal it).
        case fail(batch: Int, reason: String)

        public enum Cause: Sendable, Equatable { case first, overdue, failedAttempt }
    }

    /// What a reply means.
    public enum ReplyEffect: Sendable, Equatable {
        /// Unblind the output and call `segmentFinished`.
        case apply
        /// Counted against the budget; then see `actions(now:)`.
        case counted(failures: Int)
        /// Nothing to do: a reply for a finished batch, an old segment, an attempt never dispatched, or
        /// a verdict already counted.
        case late(String)
    }

    public init(batchCount: Int, policy: DispatchPolicy) {
        self.batchCount = batchCount
        self.policy = policy
        batches = Array(repeating: Batch(), count: batchCount)
    }

    // MARK: Resuming from a journal

    /// Marks a batch finished before this run (verified or failed).
    public mutating func restoreFinished(batch: Int, failed: Bool) {
        batches[batch].status = failed ? .failed : .done
    }

    /// Restores a dispatch made before this run; its deadline starts again from `now`.
    public mutating func restoreDispatch(batch: Int, segment: Int, attempt: Int, manifestSHA256: String, now: TimeInterval) {
        var state = batches[batch]
        guard state.status == .waiting || state.status == .active else { return }
        if segment > state.segment || state.status == .waiting {
            state.segment = segment
            state.dispatches = [:]
            state.countedFailures = []
        } else if segment < state.segment {
            return
        }
        state.status = .active
        state.dispatches[attempt] = Dispatch(attempt: attempt, manifestSHA256: manifestSHA256, sentAt: now,
                                             deadline: now + policy.timeout(medianLatency: nil, unanswered: 0))
        batches[batch] = state
    }

    /// Restores a failed attempt counted before this run.
    public mutating func restoreCountedFailure(batch: Int, segment: Int, attempt: Int, reason: String) {
        guard batches[batch].segment == segment else { return }
        batches[batch].countedFailures.insert(attempt)
        batches[batch].lastFailure = reason
    }

    /// Restores a lane that was verified at `segment` before this run and waits for its partner
    /// (masked mode: the other pool's product of the same layer).
    public mutating func restoreApplied(batch: Int, segment: Int) {
        guard batches[batch].status == .active, batches[batch].segment == segment else { return }
        batches[batch].status = .awaitingNextSegment
    }

    /// Moves a lane that was behind to `segment` with nothing dispatched yet (its partner already moved
    /// on before this run): `actions` dispatches it as attempt 1.
    public mutating func restoreSegment(batch: Int, segment: Int) {
        guard batches[batch].status == .waiting || batches[batch].status == .active, batches[batch].segment < segment else { return }
        batches[batch].status = .active
        batches[batch].segment = segment
        batches[batch].dispatches = [:]
        batches[batch].countedFailures = []
    }

    // MARK: Driving

    /// Changes how many lanes may be in flight (an automatic `--window` follows the workers present).
    /// Lanes already in flight stay; fresh ones start only while fewer than `window` are.
    public mutating func setWindow(_ window: Int) {
        policy.window = max(1, window)
    }

    /// Fails a lane without an action of its own: its partner lane failed, so the batch has (masked mode).
    public mutating func markFailed(batch: Int) {
        guard batches[batch].status != .done else { return }
        batches[batch].status = .failed
    }

    /// The dispatches and failures due at `now`: overdue dispatches again, spent budgets failed, then
    /// fresh batches while the window has room.
    public mutating func actions(now: TimeInterval) -> [Action] {
        var actions: [Action] = []
        for index in batches.indices where batches[index].status == .active {
            let state = batches[index]
            if state.countedFailures.count >= policy.maxFailedAttempts {
                batches[index].status = .failed
                actions.append(.fail(batch: index, reason: "failed verification \(state.countedFailures.count) time(s); last: \(state.lastFailure)"))
                continue
            }
            guard let latest = state.dispatches[state.latestAttempt] else {
                actions.append(.dispatch(batch: index, segment: state.segment, attempt: 1, because: .first))
                continue
            }
            if state.countedFailures.contains(latest.attempt) {
                actions.append(.dispatch(batch: index, segment: state.segment, attempt: latest.attempt + 1, because: .failedAttempt))
            } else if now >= latest.deadline {
                batches[index].unanswered += 1
                actions.append(.dispatch(batch: index, segment: state.segment, attempt: latest.attempt + 1, because: .overdue))
            }
        }
        while nextFresh < batchCount, inFlight < policy.window {
            defer { nextFresh += 1 }
            guard batches[nextFresh].status == .waiting else { continue }
            batches[nextFresh].status = .active
            actions.append(.dispatch(batch: nextFresh, segment: 0, attempt: 1, because: .first))
        }
        return actions
    }

    /// Records that `attempt` of `segment` of `batch` was published at `now` with this manifest digest.
    public mutating func dispatched(batch: Int, segment: Int, attempt: Int, manifestSHA256: String, now: TimeInterval) {
        var state = batches[batch]
        if state.segment != segment {
            state.segment = segment
            state.dispatches = [:]
            state.countedFailures = []
            state.unanswered = 0
        }
        if attempt > 1 { state.redispatched += 1 }
        state.status = .active
        let timeout = policy.timeout(medianLatency: medianLatency, unanswered: state.unanswered)
        state.dispatches[attempt] = Dispatch(attempt: attempt, manifestSHA256: manifestSHA256, sentAt: now, deadline: now + timeout)
        batches[batch] = state
    }

    /// Interprets a verified reply about (`batch`, `segment`, `attempt`) naming `manifestSHA256`.
    /// `isReplay` (cause `replay`): the segment already has a verdict, so the reply is no verification
    /// of work and spends nothing — the passed reply, or the deadline, moves the batch on.
    public mutating func reply(batch: Int, segment: Int, attempt: Int, manifestSHA256: String, passed: Bool,
                               isReplay: Bool = false, reason: String, now: TimeInterval) -> ReplyEffect {
        guard batch >= 0, batch < batchCount else { return .late("batch \(batch) is not in this job") }
        if !passed, isReplay { return .late("a replay verdict spends no budget") }
        let state = batches[batch]
        guard state.status == .active else { return .late("batch \(batch) is already \(state.status)") }
        guard segment == state.segment, let dispatch = state.dispatches[attempt] else {
            return .late("segment \(segment) attempt \(attempt) is not in flight")
        }
        guard dispatch.manifestSHA256 == manifestSHA256 else {
            return .late("the reply names a manifest this producer did not sign for attempt \(attempt)")
        }
        if passed {
            record(latency: now - dispatch.sentAt)
            batches[batch].status = .awaitingNextSegment
            return .apply
        }
        guard !state.countedFailures.contains(attempt) else { return .late("attempt \(attempt)'s failure is already counted") }
        batches[batch].countedFailures.insert(attempt)
        batches[batch].lastFailure = reason
        return .counted(failures: state.countedFailures.count + 1)
    }

    /// After an applied reply: `nextSegment` to dispatch, or nil when the batch is done.
    public mutating func segmentFinished(batch: Int, nextSegment: Int?) -> Action? {
        guard let nextSegment else {
            batches[batch].status = .done
            return nil
        }
        batches[batch].status = .active
        batches[batch].segment = nextSegment
        batches[batch].dispatches = [:]
        batches[batch].countedFailures = []
        batches[batch].unanswered = 0
        return .dispatch(batch: batch, segment: nextSegment, attempt: 1, because: .first)
    }

    // MARK: Reading

    public var isComplete: Bool { batches.allSatisfy { $0.status == .done || $0.status == .failed } }
    public var doneCount: Int { batches.filter { $0.status == .done }.count }
    public var failedCount: Int { batches.filter { $0.status == .failed }.count }
    /// Batches with a dispatch in flight (or a verified segment being turned into the next one).
    public var inFlight: Int { batches.filter { $0.status == .active || $0.status == .awaitingNextSegment }.count }
    /// Dispatches beyond each batch segment's first.
    public var redispatchedCount: Int { batches.reduce(0) { $0 + $1.redispatched } }
    /// The earliest deadline among the latest dispatches in flight: when to look again.
    public var nextDeadline: TimeInterval? {
        batches.filter { $0.status == .active }.compactMap { $0.dispatches[$0.latestAttempt]?.deadline }.min()
    }
    public func status(ofBatch batch: Int) -> (segment: Int, latestAttempt: Int, failures: Int) {
        (batches[batch].segment, batches[batch].latestAttempt, batches[batch].countedFailures.count)
    }

    public var medianLatency: TimeInterval? {
        guard !latencies.isEmpty else { return nil }
        return latencies.sorted()[latencies.count / 2]
    }

    private mutating func record(latency: TimeInterval) {
        latencies.append(max(0, latency))
        if latencies.count > policy.latencySamples { latencies.removeFirst(latencies.count - policy.latencySamples) }
    }
}
