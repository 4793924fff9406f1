import SecureNetsProducer
import Testing

/// The producer's liveness rules with a fake clock: deadlines, re-dispatch, the failed-attempt budget,
/// the window, late replies and resuming from a journal.
@Suite struct DispatchSchedulerTests {
    static let policy = DispatchPolicy(maxFailedAttempts: 3, deadlineFloor: 10, latencyMultiplier: 4, window: 2)

    /// Performs every dispatch action as a runner would, with manifest digest "b<batch>s<segment>a<attempt>".
    @discardableResult
    static func step(_ scheduler: inout DispatchScheduler, at now: Double) -> [DispatchScheduler.Action] {
        let actions = scheduler.actions(now: now)
        for case .dispatch(let batch, let segment, let attempt, _) in actions {
            scheduler.dispatched(batch: batch, segment: segment, attempt: attempt, manifestSHA256: digest(batch, segment, attempt), now: now)
        }
        return actions
    }

    static func digest(_ batch: Int, _ segment: Int, _ attempt: Int) -> String { "b\(batch)s\(segment)a\(attempt)" }

    static func pass(_ scheduler: inout DispatchScheduler, batch: Int, attempt: Int, at now: Double,
                     segment: Int = 0) -> DispatchScheduler.ReplyEffect {
        scheduler.reply(batch: batch, segment: segment, attempt: attempt, manifestSHA256: digest(batch, segment, attempt),
                        passed: true, reason: "", now: now)
    }

    @Test func theWindowBoundsBatchesInFlight() {
        var scheduler = DispatchScheduler(batchCount: 5, policy: Self.policy)
        #expect(Self.step(&scheduler, at: 0) == [.dispatch(batch: 0, segment: 0, attempt: 1, because: .first),
                                                 .dispatch(batch: 1, segment: 0, attempt: 1, because: .first)])
        #expect(Self.step(&scheduler, at: 1).isEmpty, "the window is full")
        #expect(Self.pass(&scheduler, batch: 0, attempt: 1, at: 2) == .apply)
        #expect(scheduler.segmentFinished(batch: 0, nextSegment: nil) == nil)
        #expect(Self.step(&scheduler, at: 2) == [.dispatch(batch: 2, segment: 0, attempt: 1, because: .first)])
        #expect(scheduler.inFlight == 2 && scheduler.doneCount == 1)
    }

    @Test func anUnansweredDispatchIsSentAgainWithoutUsingTheBudget() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        #expect(Self.step(&scheduler, at: 9.9).isEmpty, "before the floor deadline")
        #expect(Self.step(&scheduler, at: 10) == [.dispatch(batch: 0, segment: 0, attempt: 2, because: .overdue)])
        // The next deadline doubles: 20 s after the second dispatch.
        #expect(Self.step(&scheduler, at: 29).isEmpty)
        #expect(Self.step(&scheduler, at: 30) == [.dispatch(batch: 0, segment: 0, attempt: 3, because: .overdue)])
        // Lost dispatches never fail a batch, however many.
        for now in stride(from: 100.0, to: 2000, by: 200) { Self.step(&scheduler, at: now) }
        #expect(scheduler.failedCount == 0 && scheduler.status(ofBatch: 0).failures == 0)
        #expect(scheduler.redispatchedCount >= 5)
    }

    @Test func deadlinesFollowTheObservedLatency() {
        var scheduler = DispatchScheduler(batchCount: 3, policy: DispatchPolicy(deadlineFloor: 1, latencyMultiplier: 4, window: 1))
        Self.step(&scheduler, at: 0)
        #expect(Self.pass(&scheduler, batch: 0, attempt: 1, at: 5) == .apply)  // latency 5 s
        _ = scheduler.segmentFinished(batch: 0, nextSegment: nil)
        Self.step(&scheduler, at: 5)
        #expect(Self.step(&scheduler, at: 24).isEmpty, "4 × 5 s = 20 s after the dispatch at 5 s")
        #expect(Self.step(&scheduler, at: 25) == [.dispatch(batch: 1, segment: 0, attempt: 2, because: .overdue)])
    }

    @Test func failedRepliesAreRetriedAtOnceUntilTheBudgetIsSpent() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        for attempt in 1...3 {
            let effect = scheduler.reply(batch: 0, segment: 0, attempt: attempt, manifestSHA256: Self.digest(0, 0, attempt),
                                         passed: false, reason: "failed: layer 1", now: 1)
            #expect(effect == .counted(failures: attempt))
            let actions = Self.step(&scheduler, at: 1)
            if attempt < 3 {
                #expect(actions == [.dispatch(batch: 0, segment: 0, attempt: attempt + 1, because: .failedAttempt)])
            } else {
                #expect(actions == [.fail(batch: 0, reason: "failed verification 3 time(s); last: failed: layer 1")])
            }
        }
        #expect(scheduler.isComplete && scheduler.failedCount == 1)
    }

    @Test func aVerdictCountsOnceAndOnlyForADispatchThisProducerSigned() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        #expect(scheduler.reply(batch: 0, segment: 0, attempt: 1, manifestSHA256: "forged", passed: false, reason: "", now: 1)
                == .late("the reply names a manifest this producer did not sign for attempt 1"))
        #expect(scheduler.reply(batch: 0, segment: 0, attempt: 9, manifestSHA256: Self.digest(0, 0, 9), passed: true, reason: "", now: 1)
                == .late("segment 0 attempt 9 is not in flight"))
        #expect(scheduler.reply(batch: 0, segment: 0, attempt: 1, manifestSHA256: Self.digest(0, 0, 1), passed: false, reason: "x", now: 1)
                == .counted(failures: 1))
        #expect(scheduler.reply(batch: 0, segment: 0, attempt: 1, manifestSHA256: Self.digest(0, 0, 1), passed: false, reason: "x", now: 1)
                == .late("attempt 1's failure is already counted"))
        #expect(scheduler.status(ofBatch: 0).failures == 1)
    }

    /// After a crash, a new attempt of a segment that already passed is answered "replay"; that must
    /// not fail the batch, since the passed reply (still queued) completes it.
    @Test func replayVerdictsSpendNoBudget() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        for _ in 0..<10 {
            #expect(scheduler.reply(batch: 0, segment: 0, attempt: 1, manifestSHA256: Self.digest(0, 0, 1), passed: false,
                                    isReplay: true, reason: "rejected: replayed result", now: 1)
                    == .late("a replay verdict spends no budget"))
        }
        #expect(Self.step(&scheduler, at: 1).isEmpty && scheduler.status(ofBatch: 0).failures == 0)
        #expect(Self.pass(&scheduler, batch: 0, attempt: 1, at: 2) == .apply)
    }

    @Test func aSupersededAttemptsPassIsAppliedOnceAndLaterRepliesAreLate() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        Self.step(&scheduler, at: 10)  // attempt 2: attempt 1 was overdue
        #expect(Self.pass(&scheduler, batch: 0, attempt: 1, at: 11) == .apply, "the straggler's verified result is used")
        #expect(scheduler.segmentFinished(batch: 0, nextSegment: nil) == nil)
        guard case .late = Self.pass(&scheduler, batch: 0, attempt: 2, at: 12) else {
            Issue.record("a second pass was applied")
            return
        }
        #expect(scheduler.doneCount == 1 && scheduler.isComplete)
    }

    @Test func segmentsFollowEachOtherWithFreshAttemptsAndBudgets() {
        var scheduler = DispatchScheduler(batchCount: 1, policy: Self.policy)
        Self.step(&scheduler, at: 0)
        _ = scheduler.reply(batch: 0, segment: 0, attempt: 1, manifestSHA256: Self.digest(0, 0, 1), passed: false, reason: "x", now: 1)
        Self.step(&scheduler, at: 1)
        #expect(Self.pass(&scheduler, batch: 0, attempt: 2, at: 2) == .apply)
        #expect(scheduler.segmentFinished(batch: 0, nextSegment: 1) == .dispatch(batch: 0, segment: 1, attempt: 1, because: .first))
        scheduler.dispatched(batch: 0, segment: 1, attempt: 1, manifestSHA256: Self.digest(0, 1, 1), now: 2)
        #expect(scheduler.status(ofBatch: 0) == (segment: 1, latestAttempt: 1, failures: 0))
        guard case .late = Self.pass(&scheduler, batch: 0, attempt: 2, at: 3, segment: 0) else {
            Issue.record("a reply for the finished segment was applied")
            return
        }
    }

    @Test func aResumedJobKeepsItsAttemptsAndBudget() {
        var scheduler = DispatchScheduler(batchCount: 3, policy: Self.policy)
        scheduler.restoreFinished(batch: 0, failed: false)
        scheduler.restoreDispatch(batch: 1, segment: 0, attempt: 1, manifestSHA256: Self.digest(1, 0, 1), now: 0)
        scheduler.restoreDispatch(batch: 1, segment: 0, attempt: 2, manifestSHA256: Self.digest(1, 0, 2), now: 0)
        scheduler.restoreCountedFailure(batch: 1, segment: 0, attempt: 1, reason: "failed: x")
        // Batch 1 is in flight as attempt 2; batch 2 is new and fits the window.
        #expect(Self.step(&scheduler, at: 0) == [.dispatch(batch: 2, segment: 0, attempt: 1, because: .first)])
        #expect(Self.pass(&scheduler, batch: 1, attempt: 2, at: 1) == .apply)
        #expect(scheduler.status(ofBatch: 1).failures == 1)
        #expect(Self.step(&scheduler, at: 10.5) == [.dispatch(batch: 2, segment: 0, attempt: 2, because: .overdue)])
    }
}
