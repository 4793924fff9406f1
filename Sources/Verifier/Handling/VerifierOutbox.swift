import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Where the verifier's decisions about a result go: signed replies to a job's reply queue and
/// messages parked in the dead-letter queue. The broker in production (`BrokerOutbox`), an in-memory
/// recorder in unit tests, so every case of `ResultHandler` is tested without services.
public protocol VerifierOutbox: AnyObject {
    /// Publishes a reply frame to the reply queue `queue` (not mandatory: an expired reply queue, an
    /// abandoned job, must not block the verifier).
    func reply(_ body: [UInt8], toQueue queue: String) throws
    /// Parks a message that can never be processed, with the reason in a header.
    func deadLetter(_ body: [UInt8], reason: String) throws
}

/// `VerifierOutbox` on a publishing connection with confirms enabled.
final class BrokerOutbox: VerifierOutbox {
    let publisher: AMQPConnection

    init(publisher: AMQPConnection) { self.publisher = publisher }

    func reply(_ body: [UInt8], toQueue queue: String) throws {
        try publisher.publish(exchange: SecureNetsTopology.repliesExchange, routingKey: queue, body: body,
                              properties: AMQPMessageProperties(headers: [:]), mandatory: false)
    }

    func deadLetter(_ body: [UInt8], reason: String) throws {
        try publisher.publish(exchange: SecureNetsTopology.deadLetterExchange, routingKey: "", body: body,
                              properties: AMQPMessageProperties(headers: [SecureNetsTopology.reasonHeader: .string(reason)]),
                              mandatory: false)
    }
}
