import Foundation
import Logging
import SecureNetsMessaging
import Testing

@Suite("Connection failures")
struct ConnectionFailureTests {
    /// Nothing listens on port 1 here (binding it needs privileges no test service has).
    static let closedPort = AMQPURL(user: "securenets", password: "securenets", host: "127.0.0.1", port: 1,
                                    vhost: "securenets")

    @Test func closedPortGivesAClearError() {
        #expect {
            try AMQPConnection(url: Self.closedPort, connectionName: "closed port", logger: Broker.logger)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .connectFailed && error?.isTransient == true
                && error?.description == "cannot connect to 127.0.0.1:1: connection refused"
        }
    }

    @Test func unknownHostGivesAClearError() {
        let url = AMQPURL(host: "no-such-host.invalid")
        #expect {
            try AMQPConnection(url: url, connectionName: "unknown host", logger: Broker.logger)
        } throws: { error in
            "\(error)".hasPrefix("cannot connect to no-such-host.invalid:5672: cannot resolve host")
        }
    }

    @Test func wrongPasswordGivesTheLoginError() throws {
        var url = try Broker.url
        url.password = "not-the-password"
        try requireBroker(url)
        #expect {
            try AMQPConnection(url: url, connectionName: "wrong password", logger: Broker.logger)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .loginRefused && error?.replyCode == 403 && error?.isTransient == false
                && error?.description.hasPrefix("login refused for user '\(url.user)' on vhost '\(url.vhost)'") == true
                && error?.description.contains("not-the-password") == false
        }
    }

    @Test func unknownVhostGivesTheLoginError() throws {
        var url = try Broker.url
        url.vhost = Broker.uniqueName("vhost")
        try requireBroker(url)
        #expect {
            try AMQPConnection(url: url, connectionName: "unknown vhost", logger: Broker.logger)
        } throws: { error in
            (error as? AMQPError)?.code == .loginRefused && "\(error)".contains("vhost '\(url.vhost)' refused")
        }
    }

    @Test func backoffRetriesTransientFailuresAndLogsEachAttempt() {
        let recorder = LogRecorder()
        let logger = Logger(label: "backoff") { _ in recorder }
        let policy = RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), jitter: 0,
                                 maxAttempts: 3)
        #expect {
            try connectWithBackoff(url: Self.closedPort, connectionName: "backoff", policy: policy, logger: logger)
        } throws: { error in
            (error as? AMQPError)?.code == .connectFailed
        }
        #expect(recorder.messages == [
            "broker unreachable, retrying in 0.01 s (attempt 2)",
            "broker unreachable, retrying in 0.02 s (attempt 3)",
        ])
    }

    @Test func backoffStopsWhenAskedTo() {
        let start = ContinuousClock.now
        #expect(throws: AMQPError.self) {
            try connectWithBackoff(url: Self.closedPort, connectionName: "stopped",
                                   policy: RetryPolicy(initialDelay: .seconds(60)), logger: Broker.logger,
                                   shouldContinue: { ContinuousClock.now - start < .milliseconds(300) })
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func backoffDoesNotRetryWrongCredentials() throws {
        var url = try Broker.url
        url.password = "wrong"
        try requireBroker(url)
        let recorder = LogRecorder()
        #expect {
            try connectWithBackoff(url: url, connectionName: "no retry", logger: Logger(label: "b") { _ in recorder })
        } throws: { error in
            (error as? AMQPError)?.code == .loginRefused
        }
        #expect(recorder.messages.isEmpty)
    }

    @Test func connectWithBackoffReturnsAWorkingConnection() throws {
        let url = try Broker.url
        try requireBroker(url)
        let connection = try connectWithBackoff(url: url, connectionName: "backoff ok", logger: Broker.logger)
        #expect(connection.isOpen)
    }

    /// Fails with the "start the broker" message instead of a confusing expectation failure.
    private func requireBroker(_ url: AMQPURL) throws {
        _ = try Broker.connect("reachability check")
    }
}

/// Collects warning messages, for asserting on what a function logs.
final class LogRecorder: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    var messages: [String] { lock.withLock { recorded } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { recorded.append(event.message.description) }
    }
}
