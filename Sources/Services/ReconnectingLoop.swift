import Logging
import SecureNetsMessaging

/// Runs a service's broker session again and again until `stop` is raised, with ``BrokerRetry``'s
/// one policy: a passing broker failure (lost connection, broker restarting, a queue not declared
/// yet) waits a capped exponential, jittered delay and says so in the log; a permanent one (wrong
/// password, missing vhost, refused permission, and at start-up a refused port or unknown host) is
/// thrown at once, so the binary exits non-zero with the sentence saying what to fix. A session
/// that ran for a while resets the backoff, so a broker restart next week starts again from half a
/// second. Given a cluster's URLs, each new session goes to the next node after a failure
/// (``FailoverSchedule``).
public enum ReconnectingLoop {
    /// - Parameters:
    ///   - urls: the broker's URLs; each session's `attempt.url` is the one whose turn it is.
    ///   - explain: a better sentence for a passing error than its description; nil keeps it.
    ///   - session: one broker session; it opens its connections with `attempt.connect` and returns
    ///     when `stop` is raised.
    /// - Throws: a permanent ``AMQPError``; never a passing one (once `stop` is raised, the loop
    ///   returns instead).
    public static func run(until stop: StopSignal, urls: AMQPURLList? = nil, logger: Logger, policy: RetryPolicy = RetryPolicy(),
                           explain: (AMQPError) -> String? = { _ in nil },
                           session: (BrokerAttempt) throws -> Void) throws {
        do {
            try BrokerRetry.run(urls: urls, policy: policy, logger: logger, explain: explain,
                                shouldContinue: { !stop.isRaised }) { attempt in
                guard !stop.isRaised else { return }
                try session(attempt)
            }
        } catch let error as AMQPError where stop.isRaised && !error.isPermanent(connectedBefore: true) {
            return // shutting down while waiting to reconnect
        }
    }
}
