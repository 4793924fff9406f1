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
                && error?.isPermanent(connectedBefore: false) == true && error?.isPermanent(connectedBefore: true) == false
                && error?.description == "broker at 127.0.0.1:1 refused the connection: nothing listens there; "
                    + "is the URL right? (infra/local/up starts the local broker)"
        }
    }

    @Test func unknownHostGivesAClearError() {
        let url = AMQPURL(host: "no-such-host.invalid")
        #expect {
            try AMQPConnection(url: url, connectionName: "unknown host", logger: Broker.logger)
        } throws: { error in
            let error = error as? AMQPError
            return error?.isPermanent(connectedBefore: false) == true && error?.isPermanent(connectedBefore: true) == false
                && "\(error!)".hasPrefix("cannot connect to no-such-host.invalid:5672: cannot resolve host 'no-such-host.invalid'")
                && "\(error!)".hasSuffix("is the broker URL right?")
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
                && error?.isPermanent(connectedBefore: true) == true
                && error?.description.hasPrefix("broker at \(url.host):\(url.port) refused user '\(url.user)' "
                                                + "(wrong password or unknown user") == true
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
            let error = error as? AMQPError
            return error?.code == .loginRefused && error?.isPermanent(connectedBefore: true) == true
                && "\(error!)".hasPrefix("vhost '\(url.vhost)' does not exist on the broker at \(url.host):\(url.port)")
        }
    }

    @Test func aRefusedPermissionNamesTheUserAndTheQueue() throws {
        let connection = try AMQPConnection(url: try Broker.workerURL, connectionName: "403", logger: Broker.logger)
        defer { connection.close() }
        let queue = Broker.uniqueName("forbidden")
        #expect {
            try connection.consume(queue: queue)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .channelClosed && error?.replyCode == 403
                && error?.isPermanent(connectedBefore: true) == true
                && error?.description.hasPrefix("user 'securenets-worker' may not read queue '\(queue)' (403 ACCESS_REFUSED") == true
        }
    }

    @Test func aMissingQueueIsNotFoundAndPassing() throws {
        let connection = try Broker.connect("404")
        defer { connection.close() }
        #expect {
            try connection.consume(queue: Broker.uniqueName("missing"))
        } throws: { error in
            let error = error as? AMQPError
            return error?.isNotFound == true && error?.isPermanent(connectedBefore: false) == false
        }
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
