import SecureNetsMessaging
import Testing

@Suite("Retry policy (no broker)")
struct RetryPolicyTests {
    @Test func growsExponentiallyUpToTheCap() {
        let policy = RetryPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(5), multiplier: 2, jitter: 0)
        let delays = (1...6).map { policy.delay(beforeRetry: $0) }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test func jitterStaysWithinItsSpreadAndTheCap() {
        let policy = RetryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(3), jitter: 0.5)
        for retry in 1...8 {
            let base = min(3.0, Double(1 << (retry - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(beforeRetry: retry)
                #expect(delay >= .milliseconds(Int64(base * 500)))
                #expect(delay <= .seconds(3))
            }
        }
    }

    @Test func jitterVaries() {
        let policy = RetryPolicy(initialDelay: .seconds(1), jitter: 0.2)
        let delays = Set((0..<20).map { _ in policy.delay(beforeRetry: 1) })
        #expect(delays.count > 1)
    }
}
