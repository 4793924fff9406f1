#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long to wait between attempts to reach the broker (or the database): capped exponential
/// backoff with jitter. The one policy every binary uses (see ``BrokerRetry``).
///
/// The delay before retry *n* (n = 1 after the first failure) is
/// `min(maximumDelay, initialDelay × multiplier^(n−1))`, then scaled by a random factor in
/// `[1 − jitter, 1 + jitter]` (and capped again) so that many workers restarting together do not
/// hit the broker in lockstep. An attempt that ran longer than ``healthyAfter`` before failing
/// counts as a success: the next delay starts again from ``initialDelay``.
public struct RetryPolicy: Sendable {
    /// The delay before the first retry.
    public var initialDelay: Duration
    /// The longest delay between attempts.
    public var maximumDelay: Duration
    /// Growth of the delay per attempt; at least 1.
    public var multiplier: Double
    /// Relative spread of the random factor, from 0 (none) to 1.
    public var jitter: Double
    /// Attempts in all before giving up; nil retries until `shouldContinue` says stop.
    public var maxAttempts: Int?
    /// How long an attempt must have run before its failure resets the backoff (a session that
    /// worked for a while, then lost its broker).
    public var healthyAfter: Duration

    /// A policy; the defaults retry for ever with 0.5 s, 1 s, 2 s, … up to 30 s, ±20 %, and start
    /// again from 0.5 s after a session that lasted 30 s.
    public init(initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30),
                multiplier: Double = 2, jitter: Double = 0.2, maxAttempts: Int? = nil,
                healthyAfter: Duration = .seconds(30)) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
        self.healthyAfter = healthyAfter
    }

    /// The delay before retry `retry` (1 after the first failed attempt), with jitter drawn from
    /// `generator`.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let cap = maximumDelay.seconds
        let growth = pow(max(multiplier, 1), Double(max(retry - 1, 0)))
        let base = min(cap, initialDelay.seconds * growth)
        let spread = min(max(jitter, 0), 1)
        let factor = spread > 0 ? Double.random(in: (1 - spread)...(1 + spread), using: &generator) : 1
        let seconds = min(cap, max(0, base * factor))
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// ``delay(beforeRetry:using:)`` with the system's random generator.
    public func delay(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, using: &generator)
    }
}
