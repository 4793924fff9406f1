import SecureNets
import SecureNetsVerifier
import Testing

@Suite struct ReplayCheckTests {
    let passed = LedgerEntry(id: 7, attempt: 2, verdict: .passed, outputDigest: "d")
    let failed = LedgerEntry(id: 5, attempt: 1, verdict: .failed, outputDigest: "d")

    func decide(attempt: Int = 2, digest: String = "d", redelivered: Bool, passed: LedgerEntry?, same: LedgerEntry?) -> ReplayCheck.Decision {
        ReplayCheck.decide(batch: 0, segment: 0, attempt: attempt, outputDigest: digest, redelivered: redelivered,
                           passed: passed, sameAttempt: same)
    }

    @Test func newWorkIsVerified() {
        #expect(decide(redelivered: false, passed: nil, same: nil) == .verify)
        #expect(decide(redelivered: true, passed: nil, same: nil) == .verify)
    }

    @Test func aRedeliveryOfThePassedResultIsResent() {
        #expect(decide(redelivered: true, passed: passed, same: passed) == .resendPassed(passed))
    }

    @Test func anythingElseAfterAPassIsAReplay() {
        for (attempt, digest, redelivered) in [(2, "d", false), (3, "d", true), (2, "other", true)] {
            guard case .replay(let reason) = decide(attempt: attempt, digest: digest, redelivered: redelivered, passed: passed, same: nil) else {
                Issue.record("attempt \(attempt) digest \(digest) redelivered \(redelivered) was not a replay")
                continue
            }
            #expect(reason.contains("already passed (row 7)"))
        }
    }

    @Test func aRedeliveredFailureRepeatsAndADuplicateIsAReplay() {
        #expect(decide(attempt: 1, redelivered: true, passed: nil, same: failed) == .resendFailed(failed))
        guard case .replay(let reason) = decide(attempt: 1, redelivered: false, passed: nil, same: failed) else {
            Issue.record("a second result for a verified attempt was not a replay")
            return
        }
        #expect(reason.contains("attempt 1 was already verified"))
    }
}
