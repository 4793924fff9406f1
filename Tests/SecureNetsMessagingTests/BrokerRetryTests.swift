import Foundation
import Logging
import SecureNetsMessaging
import Testing

/// The one retry policy against the real broker: permanent errors end the run at once with their
/// sentence, passing ones are retried and logged, and a deadline bounds the whole run.
@Suite("Broker retry")
struct BrokerRetryTests {
    /// A fault no waiting fixes, and the start of the sentence that says what to fix.
    struct PermanentFault: CustomTestStringConvertible, Sendable {
        let name: String
        let expectedPrefix: @Sendable (AMQPURL) -> String
        let run: @Sendable (BrokerAttempt, AMQPURL) throws -> Void
        var testDescription: String { name }
    }

    static let permanentFaults: [PermanentFault] = [
        PermanentFault(name: "wrong password", expectedPrefix: { "broker at \($0.host):\($0.port) refused user '\($0.user)'" }) { attempt, url in
            var url = url
            url.password = "not-the-password"
            _ = try attempt.connect(url: url, connectionName: "wrong password", logger: Broker.logger)
        },
        PermanentFault(name: "missing vhost", expectedPrefix: { _ in "vhost 'securenets.test.no-such-vhost' does not exist" }) { attempt, url in
            var url = url
            url.vhost = "securenets.test.no-such-vhost"
            _ = try attempt.connect(url: url, connectionName: "missing vhost", logger: Broker.logger)
        },
        PermanentFault(name: "refused port", expectedPrefix: { _ in "broker at 127.0.0.1:1 refused the connection" }) { attempt, url in
            var url = url
            url.host = "127.0.0.1"
            url.port = 1
            _ = try attempt.connect(url: url, connectionName: "refused port", logger: Broker.logger)
        },
        PermanentFault(name: "403 on a queue", expectedPrefix: { _ in "user 'securenets-worker' may not read queue" }) { attempt, _ in
            let connection = try attempt.connect(url: try Broker.workerURL, connectionName: "403", logger: Broker.logger)
            defer { connection.close() }
            try connection.consume(queue: Broker.uniqueName("forbidden"))
        },
    ]

    @Test(arguments: permanentFaults)
    func permanentErrorsFailAtOnceWithTheirSentence(_ fault: PermanentFault) throws {
        let url = try Broker.url
        _ = try Broker.connect("reachability check")
        let recorder = LogRecorder()
        var attempts = 0
        #expect {
            try BrokerRetry.run(giveUpAfter: .seconds(600), logger: Logger(label: "retry") { _ in recorder }) { attempt in
                attempts += 1
                try fault.run(attempt, url)
            }
        } throws: { error in
            (error as? AMQPError)?.isPermanent(connectedBefore: false) == true && "\(error)".hasPrefix(fault.expectedPrefix(url))
        }
        #expect(attempts == 1)
        #expect(recorder.messages.isEmpty)
    }

    @Test func passingErrorsAreRetriedAndLogged() throws {
        let recorder = LogRecorder()
        let policy = RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), jitter: 0, maxAttempts: 3)
        let queue = Broker.uniqueName("not-declared")
        var attempts = 0
        #expect {
            try BrokerRetry.run(policy: policy, logger: Logger(label: "retry") { _ in recorder },
                                explain: { $0.isNotFound ? "queue \(queue) does not exist yet" : nil }) { attempt in
                attempts += 1
                let connection = try attempt.connect(url: try Broker.url, connectionName: "404", logger: Broker.logger)
                defer { connection.close() }
                try connection.consume(queue: queue)
            }
        } throws: { error in
            (error as? AMQPError)?.isNotFound == true
        }
        #expect(attempts == 3)
        #expect(recorder.messages == [
            "queue \(queue) does not exist yet; retrying in 0.01 s (attempt 2)",
            "queue \(queue) does not exist yet; retrying in 0.02 s (attempt 3)",
        ])
    }

    /// Once the broker was reached, a refused port means a restarting broker: retried, but only
    /// until the deadline.
    @Test func aRefusedPortAfterConnectingIsRetriedUntilTheDeadline() throws {
        let policy = RetryPolicy(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(200))
        let start = ContinuousClock.now
        var attempts = 0
        #expect {
            try BrokerRetry.run(policy: policy, giveUpAfter: .seconds(2), logger: Broker.logger) { attempt in
                attempts += 1
                if attempt.number == 1 {
                    let connection = try attempt.connect(url: try Broker.url, connectionName: "first", logger: Broker.logger)
                    connection.close()
                }
                _ = try attempt.connect(url: ConnectionFailureTests.closedPort, connectionName: "restarting", logger: Broker.logger)
            }
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .connectFailed && error?.description.hasPrefix("gave up after ") == true
                && error?.description.contains("refused the connection") == true
        }
        #expect(attempts > 2)
        #expect(ContinuousClock.now < start + .seconds(2) + .seconds(5), "the deadline bounds the run")
    }

    @Test func noTimeLeftEndsTheRunWithoutConnecting() {
        #expect {
            try BrokerRetry.run(giveUpAfter: .zero, logger: Broker.logger) { attempt in
                _ = try attempt.connect(url: try Broker.url, connectionName: "late", logger: Broker.logger)
            }
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .timeout && error?.description.hasPrefix("gave up after ") == true
                && error?.description.contains("no time left to connect") == true
        }
    }

    @Test func aStopRequestEndsTheWait() {
        let start = ContinuousClock.now
        #expect(throws: AMQPError.self) {
            try BrokerRetry.run(policy: RetryPolicy(initialDelay: .seconds(60)), connectedBefore: true, logger: Broker.logger,
                                shouldContinue: { ContinuousClock.now - start < .milliseconds(300) }) { attempt in
                _ = try attempt.connect(url: ConnectionFailureTests.closedPort, connectionName: "stopped", logger: Broker.logger)
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aSuccessfulAttemptReturnsItsValue() throws {
        let (isOpen, reached) = try BrokerRetry.run(logger: Broker.logger) { attempt in
            let connection = try attempt.connect(url: try Broker.url, connectionName: "ok", logger: Broker.logger)
            defer { connection.close() }
            return (connection.isOpen, attempt.connectedBefore)
        }
        #expect(isOpen && reached)
    }
}
