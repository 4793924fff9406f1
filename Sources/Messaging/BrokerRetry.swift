import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs broker work again after passing failures, waiting as one ``RetryPolicy`` says, and stops at
/// once on permanent ones (``AMQPError/isPermanent(connectedBefore:)``): a wrong password, a missing
/// vhost, a refused permission or — before the broker was ever reached — a refused port do not get
/// better by waiting, so the caller gets the error and its sentence saying what to fix.
///
/// Each passing failure is logged at warning level: "<what failed>; retrying in 2.0 s (attempt 3)",
/// with ", broker 10.0.0.2:5672" before the parenthesis closes when the run fails over between several URLs.
///
/// ```swift
/// let failed = try BrokerRetry.run(urls: urls, giveUpAfter: .seconds(10), logger: logger) { attempt in
///     let connection = try attempt.connect(connectionName: "securenets producer", logger: logger)
///     defer { connection.close() }
///     return try work(on: connection)
/// }
/// ```
public enum BrokerRetry {
    /// Runs `body` until it returns, retrying it after passing ``AMQPError``s.
    ///
    /// - Parameters:
    ///   - urls: the broker's URLs (one per cluster node): each try's ``BrokerAttempt/url`` is the
    ///     next one in turn after a failure, starting with the first (``FailoverSchedule``). nil: the
    ///     body chooses its URLs itself.
    ///   - policy: the delays, the attempt limit and when a long attempt resets the backoff.
    ///   - giveUpAfter: how long the run may go without a working session before it stops
    ///     retrying: counted from the start of the run, and again from the failure of an attempt
    ///     that had lasted at least this long (a session that worked, then lost its broker).
    ///     Connecting never outlasts it (see ``BrokerAttempt/deadline``). nil retries until the
    ///     policy's attempts run out (for ever by default).
    ///   - connectedBefore: whether this process reached the broker before this run (a service
    ///     reconnecting after a session makes refused connections passing from the start).
    ///   - logger: receives one warning per retry.
    ///   - explain: a better sentence for a passing error than its description (e.g. who declares a
    ///     queue that does not exist yet); nil keeps the description.
    ///   - shouldContinue: asked every 100 ms while waiting between attempts; return false to stop
    ///     (on shutdown). The last error is then thrown.
    ///   - body: one attempt; open its connections with ``BrokerAttempt/connect(connectionName:heartbeat:timeout:maxBodyBytes:logger:)``.
    /// - Returns: what `body` returned.
    /// - Throws: a permanent ``AMQPError`` at once — except that a refused connection or an unknown
    ///   host before the broker was ever reached ends the run only once every URL failed so (then
    ///   with every URL's sentence, "no broker answered at any of its 3 URLs: …", when there are
    ///   several); any error other than ``AMQPError`` at once; the
    ///   last ``AMQPError`` when the attempts run out or `shouldContinue` returned false; and when
    ///   the next attempt would start more than `giveUpAfter` into the outage, the last error (same
    ///   code) described as "gave up after 10.0 s (4 attempts): <its description>".
    public static func run<Result>(urls: AMQPURLList? = nil, policy: RetryPolicy = RetryPolicy(),
                                   giveUpAfter: Duration? = nil, connectedBefore: Bool = false, logger: Logger,
                                   explain: (AMQPError) -> String? = { _ in nil },
                                   shouldContinue: () -> Bool = { true },
                                   _ body: (BrokerAttempt) throws -> Result) throws -> Result {
        let history = BrokerAttempt.History(connectedBefore: connectedBefore)
        var schedule = FailoverSchedule(urlCount: urls?.count ?? 1)
        var refusals: [Int: AMQPError] = [:] // by URL index, before the broker was ever reached
        var outageStarted = ContinuousClock.now
        var attempt = 1
        var attemptsInOutage = 0
        while true {
            let attemptStarted = ContinuousClock.now
            let url = urls?[turn: schedule.turn]
            do {
                let deadline = giveUpAfter.map { outageStarted + $0 }
                return try body(BrokerAttempt(number: attempt, url: url, deadline: deadline, history: history))
            } catch let error as AMQPError {
                let permanent = error.isPermanent(connectedBefore: history.connectedBefore)
                let onlyBeforeConnecting = permanent && !error.isPermanent(connectedBefore: true)
                if onlyBeforeConnecting { refusals[schedule.urlIndex] = error }
                let now = ContinuousClock.now
                let decision = schedule.failed(permanent: permanent && !onlyBeforeConnecting,
                                               permanentBeforeConnecting: onlyBeforeConnecting,
                                               healthy: now - attemptStarted > policy.healthyAfter, policy: policy)
                guard case .retry(let delay) = decision else {
                    throw refusals.count > 1 ? everyURLRefused(refusals, last: error) : error
                }
                if let maxAttempts = policy.maxAttempts, attempt >= maxAttempts { throw error }
                if let giveUpAfter, now - attemptStarted >= giveUpAfter {
                    outageStarted = now
                    attemptsInOutage = 0
                }
                attemptsInOutage += 1
                if let giveUpAfter, now + delay >= outageStarted + giveUpAfter {
                    throw error.described("gave up after \((now - outageStarted).shortDescription) (\(attemptsInOutage) "
                                          + "attempt\(attemptsInOutage == 1 ? "" : "s")): \(error)")
                }
                attempt += 1
                let failover = urls.flatMap { $0.count > 1 ? $0[turn: schedule.turn] : nil }.map { ", broker \($0.host):\($0.port)" }
                logger.warning("\(explain(error) ?? error.description); retrying in \(delay.shortDescription) (attempt \(attempt)\(failover ?? ""))")
                guard sleep(for: delay, while: shouldContinue) else { throw error }
            }
        }
    }

    /// One error for a run whose every URL refused before the broker was ever reached: each URL's sentence.
    private static func everyURLRefused(_ refusals: [Int: AMQPError], last: AMQPError) -> AMQPError {
        let sentences = refusals.sorted { $0.key < $1.key }.map(\.value.description)
        return last.described("no broker answered at any of its \(refusals.count) URLs: " + sentences.joined(separator: "; "))
    }

    /// Sleeps in short slices so a stop request is seen within 100 ms; false when stopped.
    private static func sleep(for delay: Duration, while shouldContinue: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + delay
        while true {
            guard shouldContinue() else { return false }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return true }
            var slice = Swift.min(remaining, .milliseconds(100)).timespec
            nanosleep(&slice, nil)
        }
    }
}
