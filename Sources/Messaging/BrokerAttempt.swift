import Logging

/// One try of ``BrokerRetry/run(policy:giveUpAfter:connectedBefore:logger:explain:shouldContinue:_:)``.
///
/// Open the try's connections with ``connect(connectionName:heartbeat:timeout:maxBodyBytes:logger:)``
/// (to the URL whose turn it is) or ``connect(url:connectionName:heartbeat:timeout:maxBodyBytes:logger:)``
/// rather than `AMQPConnection.init`: it records that the broker was reached (after which a refused
/// connection means a restarting broker and is retried), and it never lets connecting outlast the
/// deadline.
public final class BrokerAttempt {
    /// 1 for the first try.
    public let number: Int
    /// The broker URL whose turn this try is (the run's list in rotation, see ``FailoverSchedule``);
    /// nil when the run was given no list.
    public let url: AMQPURL?
    /// When the retry gives up if this try fails soon (the run's `giveUpAfter` into the current
    /// outage); nil without a limit.
    public let deadline: ContinuousClock.Instant?
    private let history: History

    /// What the tries of one ``BrokerRetry`` run have in common.
    final class History {
        var connectedBefore: Bool
        init(connectedBefore: Bool) { self.connectedBefore = connectedBefore }
    }

    init(number: Int, url: AMQPURL?, deadline: ContinuousClock.Instant?, history: History) {
        self.number = number
        self.url = url
        self.deadline = deadline
        self.history = history
    }

    /// Whether a connection of this run, in this try or an earlier one, reached the broker.
    public var connectedBefore: Bool { history.connectedBefore }

    /// Opens a connection to ``url``, the broker URL whose turn this try is, as
    /// ``connect(url:connectionName:heartbeat:timeout:maxBodyBytes:logger:)`` does.
    ///
    /// - Precondition: the run was given its URLs (``BrokerRetry/run(urls:policy:giveUpAfter:connectedBefore:logger:explain:shouldContinue:_:)``).
    public func connect(connectionName: String, heartbeat: Duration = .seconds(60), timeout: Duration = .seconds(30),
                        maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes, logger: Logger) throws -> AMQPConnection {
        guard let url else { preconditionFailure("connect(connectionName:) needs a BrokerRetry run given its URLs") }
        return try connect(url: url, connectionName: connectionName, heartbeat: heartbeat, timeout: timeout,
                           maxBodyBytes: maxBodyBytes, logger: logger)
    }

    /// Opens a connection as `AMQPConnection.init` does, bounding the TCP connect and the login by
    /// the time left before ``deadline``.
    ///
    /// - Throws: what `AMQPConnection.init` throws; ``AMQPError/Code/timeout`` when the deadline
    ///   has passed already.
    public func connect(url: AMQPURL, connectionName: String, heartbeat: Duration = .seconds(60),
                        timeout: Duration = .seconds(30), maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes,
                        logger: Logger) throws -> AMQPConnection {
        var connectTimeout = timeout
        if let deadline {
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw AMQPError(.timeout, "no time left to connect to the broker at \(url.host):\(url.port) "
                                + "before the deadline")
            }
            connectTimeout = min(timeout, remaining)
        }
        let connection = try AMQPConnection(url: url, connectionName: connectionName, heartbeat: heartbeat,
                                            timeout: timeout, connectTimeout: connectTimeout,
                                            maxBodyBytes: maxBodyBytes, logger: logger)
        history.connectedBefore = true
        return connection
    }
}
