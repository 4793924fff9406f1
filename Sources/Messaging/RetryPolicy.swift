import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long to wait between attempts to reach the broker: capped exponential backoff with jitter.
///
/// The delay before retry *n* (n = 1 after the first failure) is
/// `min(maximumDelay, initialDelay × multiplier^(n−1))`, then scaled by a random factor in
/// `[1 − jitter, 1 + jitter]` (and capped again) so that many workers restarting together do not
/// hit the broker in lockstep.
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

    /// A policy; the defaults retry for ever with 0.5 s, 1 s, 2 s, … up to 30 s, ±20 %.
    public init(initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30),
                multiplier: Double = 2, jitter: Double = 0.2, maxAttempts: Int? = nil) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
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

/// Opens a connection, retrying while the broker is unreachable.
///
/// Each failed attempt is logged at warning level, e.g. "broker unreachable, retrying in 2.0 s
/// (attempt 3)", with the error. Only transient failures (``AMQPError/isTransient``: refused or
/// timed-out connections, a broker shutting down) are retried; wrong credentials or a missing
/// vhost are thrown at once, since waiting would not fix them.
///
/// - Parameters:
///   - policy: the delays and the attempt limit.
///   - shouldContinue: asked every 100 ms while waiting between attempts; return false to stop
///     (on shutdown). The last error is then thrown.
///   - Other parameters: as ``AMQPConnection/init(url:connectionName:heartbeat:timeout:maxBodyBytes:logger:)``.
/// - Throws: the last ``AMQPError`` when attempts run out, the first non-transient one, or the
///   last one when `shouldContinue` returns false.
public func connectWithBackoff(url: AMQPURL, connectionName: String, heartbeat: Duration = .seconds(60),
                               timeout: Duration = .seconds(30),
                               maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes,
                               policy: RetryPolicy = RetryPolicy(), logger: Logger,
                               shouldContinue: () -> Bool = { true }) throws -> AMQPConnection {
    var attempt = 1
    while true {
        do {
            return try AMQPConnection(url: url, connectionName: connectionName, heartbeat: heartbeat,
                                      timeout: timeout, maxBodyBytes: maxBodyBytes, logger: logger)
        } catch let error as AMQPError where error.isTransient {
            if let maxAttempts = policy.maxAttempts, attempt >= maxAttempts { throw error }
            let delay = policy.delay(beforeRetry: attempt)
            attempt += 1
            logger.warning("broker unreachable, retrying in \(delay.shortDescription) (attempt \(attempt))",
                           metadata: ["amqp.url": "\(url)", "error": "\(error)"])
            guard sleep(for: delay, while: shouldContinue) else { throw error }
        }
    }
}

/// Sleeps in short slices so a stop request is seen within 100 ms; false when stopped.
private func sleep(for delay: Duration, while shouldContinue: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + delay
    while true {
        guard shouldContinue() else { return false }
        let remaining = deadline - ContinuousClock.now
        if remaining <= .zero { return true }
        var slice = Swift.min(remaining, .milliseconds(100)).timespec
        nanosleep(&slice, nil)
    }
}
