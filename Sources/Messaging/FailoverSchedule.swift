/// Which of a broker's URLs the next attempt uses and how long to wait before it: the rotation and
/// backoff of ``BrokerRetry``, as pure state so both are tested without a broker.
///
/// Every failed attempt moves on to the next URL (the node may be down; another may answer), in
/// the order given and round again after the last. The backoff grows once per round over the URLs,
/// not per attempt: the delay before retry *n* is ``RetryPolicy/delay(beforeRetry:using:)`` of
/// round ⌈n / URL count⌉, so with three nodes and one of them dead the client reaches the next one
/// after the shortest delay, and with the whole broker down it does not knock N times as often as
/// with one URL. With one URL this is exactly the policy's own sequence. A failure after a healthy
/// session (longer than ``RetryPolicy/healthyAfter``) starts again from the shortest delay.
///
/// Refused connections before the broker was ever reached (a wrong host or port, a broker not
/// started) are permanent for one URL; with several they are permanent only once every URL has
/// refused like that, since the others may still answer.
public struct FailoverSchedule: Sendable {
    /// How many URLs the rotation goes over (at least one).
    public let urlCount: Int
    /// The turn of the URL the next attempt uses (0 for the first URL; see ``AMQPURLList/subscript(turn:)``).
    public private(set) var turn = 0
    /// Failed attempts since the run started or since the last healthy session.
    public private(set) var failures = 0
    /// The URLs (by index) that refused before the broker was ever reached.
    private var refusedAtStartup: Set<Int> = []

    public init(urlCount: Int) {
        precondition(urlCount >= 1, "a failover schedule needs at least one URL")
        self.urlCount = urlCount
    }

    /// The index into the URL list of the URL the next attempt uses.
    public var urlIndex: Int { turn % urlCount }

    /// What to do after a failed attempt.
    public enum Decision: Equatable, Sendable {
        /// Wait this long, then try the URL of the new ``urlIndex``.
        case retry(after: Duration)
        /// Stop: waiting cannot help.
        case giveUp
    }

    /// Records that the attempt on the current URL failed and moves on to the next URL.
    ///
    /// - Parameters:
    ///   - permanent: the error is permanent whatever happened before (a wrong password, a refused
    ///     TLS handshake, `403`, …).
    ///   - permanentBeforeConnecting: the error is permanent only because the broker was never
    ///     reached (a refused connection or an unknown host at start-up).
    ///   - healthy: the attempt had run longer than the policy's ``RetryPolicy/healthyAfter``.
    ///   - policy: the delays.
    public mutating func failed(permanent: Bool, permanentBeforeConnecting: Bool, healthy: Bool, policy: RetryPolicy,
                                using generator: inout some RandomNumberGenerator) -> Decision {
        if permanent { return .giveUp }
        if permanentBeforeConnecting {
            refusedAtStartup.insert(urlIndex)
            if refusedAtStartup.count == urlCount { return .giveUp }
        }
        failures = healthy ? 1 : failures + 1
        turn += 1
        return .retry(after: policy.delay(beforeRetry: round, using: &generator))
    }

    /// ``failed(permanent:permanentBeforeConnecting:healthy:policy:using:)`` with the system's random generator.
    public mutating func failed(permanent: Bool, permanentBeforeConnecting: Bool, healthy: Bool,
                                policy: RetryPolicy) -> Decision {
        var generator = SystemRandomNumberGenerator()
        return failed(permanent: permanent, permanentBeforeConnecting: permanentBeforeConnecting, healthy: healthy,
                      policy: policy, using: &generator)
    }

    /// The backoff round of the retry about to happen: 1 while the first round over the URLs lasts.
    public var round: Int { (failures + urlCount - 1) / urlCount }

    /// Whether every URL refused before the broker was ever reached (so the run stops).
    public var everyURLRefusedAtStartup: Bool { refusedAtStartup.count == urlCount }
}
