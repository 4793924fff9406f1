import Logging
import SecureNetsMessaging
import Testing

/// BrokerRetry over several URLs, on loopback ports where nothing listens (only the last test needs
/// the broker): the tries go round the URLs, and at start-up only a refusal from every one of them
/// ends the run.
@Suite("Broker failover over several URLs")
struct BrokerFailoverTests {
    static func closedPorts(_ ports: [Int]) -> AMQPURLList {
        AMQPURLList(ports.map { AMQPURL(user: "securenets", password: "securenets", host: "127.0.0.1", port: $0, vhost: "securenets") })!
    }

    static let fastPolicy = RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), jitter: 0)

    @Test func triesEveryURLInTurnThenNamesEveryRefusal() {
        let recorder = LogRecorder()
        var tried: [Int] = []
        #expect {
            try BrokerRetry.run(urls: BrokerFailoverTests.closedPorts([1, 2, 3]), policy: BrokerFailoverTests.fastPolicy,
                                logger: Logger(label: "failover") { _ in recorder }) { attempt in
                tried.append(attempt.url?.port ?? 0)
                _ = try attempt.connect(connectionName: "failover", logger: Broker.logger)
            }
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .connectFailed
                && error?.description.hasPrefix("no broker answered at any of its 3 URLs: broker at 127.0.0.1:1 refused the connection") == true
                && error?.description.contains("; broker at 127.0.0.1:2 refused the connection") == true
                && error?.description.contains("; broker at 127.0.0.1:3 refused the connection") == true
                && error?.isPermanent(connectedBefore: false) == true
        }
        #expect(tried == [1, 2, 3])
        #expect(recorder.messages.count == 2)
        #expect(recorder.messages.first?.hasSuffix("; retrying in 0.01 s (attempt 2, broker 127.0.0.1:2)") == true)
    }

    @Test func oneURLFailsAsItAlwaysDid() {
        let recorder = LogRecorder()
        var attempts = 0
        #expect {
            try BrokerRetry.run(urls: BrokerFailoverTests.closedPorts([1]), policy: BrokerFailoverTests.fastPolicy,
                                logger: Logger(label: "failover") { _ in recorder }) { attempt in
                attempts += 1
                _ = try attempt.connect(connectionName: "one URL", logger: Broker.logger)
            }
        } throws: { error in
            "\(error)".hasPrefix("broker at 127.0.0.1:1 refused the connection")
        }
        #expect(attempts == 1)
        #expect(recorder.messages.isEmpty)
    }

    /// After a session, refusals mean nodes restarting: the run keeps going round the URLs.
    @Test func afterConnectingRefusalsGoRoundTheURLsUntilTheAttemptsRunOut() {
        var policy = BrokerFailoverTests.fastPolicy
        policy.maxAttempts = 7
        var tried: [Int] = []
        #expect(throws: AMQPError.self) {
            try BrokerRetry.run(urls: BrokerFailoverTests.closedPorts([1, 2, 3]), policy: policy, connectedBefore: true,
                                logger: Broker.logger) { attempt in
                tried.append(attempt.url?.port ?? 0)
                _ = try attempt.connect(connectionName: "restarting", logger: Broker.logger)
            }
        }
        #expect(tried == [1, 2, 3, 1, 2, 3, 1])
    }

    @Test func aShortTaskConnectsToTheFirstURLThatAnswers() throws {
        // Every port refuses: the error is the last URL's.
        #expect {
            try BrokerFailoverTests.closedPorts([1, 2]).connect(connectionName: "short task", startingAt: 1, logger: Broker.logger)
        } throws: { error in
            "\(error)".hasPrefix("broker at 127.0.0.1:1 refused the connection")
        }
        _ = try Broker.connect("reachability check")
        let list = AMQPURLList(BrokerFailoverTests.closedPorts([1]).urls + [try Broker.url])!
        let (connection, turn) = try list.connect(connectionName: "short task", logger: Broker.logger)
        defer { connection.close() }
        #expect(turn == 1 && connection.isOpen)
    }
}
