import Foundation
import Logging
import SecureNetsMessaging

/// The broker the integration tests run against: `SECURENETS_AMQP_URL`, or the one that
/// `infra/local/up` starts.
///
/// Tests never skip when it is down: they fail with ``BrokerUnavailable``, which says how to
/// start it.
enum Broker {
    static let defaultURL = "amqp://securenets:securenets@127.0.0.1:5672/securenets"

    static var url: AMQPURL {
        get throws { try AMQPURL(ProcessInfo.processInfo.environment["SECURENETS_AMQP_URL"] ?? defaultURL) }
    }

    /// The broker's vhost as `securenets-worker`, the least-privilege role infra/local/rabbitmq
    /// creates (it may read only the jobs and models queues).
    static var workerURL: AMQPURL {
        get throws {
            var url = try url
            url.user = "securenets-worker"
            url.password = "securenets-worker"
            return url
        }
    }

    static let logger = Logger(label: "securenets.messaging.tests")

    /// A new connection for one role of one test.
    static func connect(_ name: String, maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes) throws -> AMQPConnection {
        let url = try url
        do {
            return try AMQPConnection(url: url, connectionName: "SecureNetsMessagingTests \(name)",
                                      timeout: .seconds(20), maxBodyBytes: maxBodyBytes, logger: logger)
        } catch let error as AMQPError where error.code == .connectFailed {
            throw BrokerUnavailable(url: url, error: error)
        }
    }

    /// A name no other test (or earlier run) uses.
    static func uniqueName(_ purpose: String) -> String {
        "securenets.test.\(purpose).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The integration tests' broker is not running.
struct BrokerUnavailable: Error, CustomStringConvertible {
    let url: AMQPURL
    let error: AMQPError

    var description: String {
        "RabbitMQ is not reachable at \(url) (\(error)). These tests need a running broker: start one "
            + "with `infra/local/up` (or `infra/local/rabbitmq start`), or point SECURENETS_AMQP_URL at one."
    }
}

extension AMQPConnection {
    /// Deliveries until `count` arrived, each acknowledged; fails if one takes over 10 s.
    func receive(_ count: Int) throws -> [AMQPDelivery] {
        var deliveries: [AMQPDelivery] = []
        while deliveries.count < count {
            guard let delivery = try nextDelivery(timeout: .seconds(10)) else {
                throw TestFailure("only \(deliveries.count) of \(count) deliveries arrived within 10 s")
            }
            try ack(deliveryTag: delivery.deliveryTag)
            deliveries.append(delivery)
        }
        return deliveries
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
