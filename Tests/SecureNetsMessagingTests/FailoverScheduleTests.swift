import SecureNetsMessaging
import Testing

@Suite("Failover rotation and backoff (no broker)")
struct FailoverScheduleTests {
    static let policy = RetryPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(30), jitter: 0)

    /// Fails `count` passing attempts and returns the URL index and the delay after each.
    static func passingFailures(_ count: Int, urls: Int, healthy: (Int) -> Bool = { _ in false }) -> [(Int, Duration)] {
        var schedule = FailoverSchedule(urlCount: urls)
        return (0..<count).map { failure in
            let decision = schedule.failed(permanent: false, permanentBeforeConnecting: false, healthy: healthy(failure),
                                           policy: policy)
            guard case .retry(let delay) = decision else { Issue.record("gave up on a passing failure"); return (-1, .zero) }
            return (schedule.urlIndex, delay)
        }
    }

    @Test func everyFailureMovesOnToTheNextURL() {
        #expect(FailoverScheduleTests.passingFailures(7, urls: 3).map(\.0) == [1, 2, 0, 1, 2, 0, 1])
    }

    @Test func theBackoffGrowsOncePerRoundOverTheURLs() {
        #expect(FailoverScheduleTests.passingFailures(7, urls: 3).map(\.1)
                == [.milliseconds(500), .milliseconds(500), .milliseconds(500), .seconds(1), .seconds(1), .seconds(1), .seconds(2)])
    }

    @Test func oneURLBacksOffExactlyAsThePolicy() {
        let delays = FailoverScheduleTests.passingFailures(6, urls: 1).map(\.1)
        #expect(delays == (1...6).map { FailoverScheduleTests.policy.delay(beforeRetry: $0) })
        #expect(FailoverScheduleTests.passingFailures(3, urls: 1).map(\.0) == [0, 0, 0])
    }

    @Test func aHealthySessionStartsTheBackoffAgainButStillFailsOver() {
        // Five quick failures reach round 2, then a session that had worked for a while is lost.
        let results = FailoverScheduleTests.passingFailures(7, urls: 2, healthy: { $0 == 5 })
        #expect(results.map(\.1) == [.milliseconds(500), .milliseconds(500), .seconds(1), .seconds(1), .seconds(2),
                                     .milliseconds(500), .milliseconds(500)])
        #expect(results.map(\.0) == [1, 0, 1, 0, 1, 0, 1])
    }

    @Test func aPermanentErrorGivesUpAtOnce() {
        var schedule = FailoverSchedule(urlCount: 3)
        #expect(schedule.failed(permanent: true, permanentBeforeConnecting: false, healthy: false,
                                policy: FailoverScheduleTests.policy) == .giveUp)
    }

    @Test func refusalsBeforeConnectingGiveUpOnlyOnceEveryURLRefused() {
        var schedule = FailoverSchedule(urlCount: 3)
        func refused() -> FailoverSchedule.Decision {
            schedule.failed(permanent: false, permanentBeforeConnecting: true, healthy: false, policy: FailoverScheduleTests.policy)
        }
        func timedOut() -> FailoverSchedule.Decision {
            schedule.failed(permanent: false, permanentBeforeConnecting: false, healthy: false, policy: FailoverScheduleTests.policy)
        }
        #expect(refused() == .retry(after: .milliseconds(500)))   // URL 0
        #expect(timedOut() == .retry(after: .milliseconds(500)))  // URL 1 is there, only slow
        #expect(refused() == .retry(after: .milliseconds(500)))   // URL 2
        #expect(refused() == .retry(after: .seconds(1)))          // URL 0 again: URL 1 has not refused
        #expect(!schedule.everyURLRefusedAtStartup)
        #expect(refused() == .giveUp)                             // URL 1: now every URL refused
        #expect(schedule.everyURLRefusedAtStartup)
    }

    @Test func oneRefusedURLGivesUpAtOnce() {
        var schedule = FailoverSchedule(urlCount: 1)
        #expect(schedule.failed(permanent: false, permanentBeforeConnecting: true, healthy: false,
                                policy: FailoverScheduleTests.policy) == .giveUp)
    }
}
