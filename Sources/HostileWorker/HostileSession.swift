import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// What both hostile workers (blinded and masked) open before misbehaving: a consuming and a
/// publishing connection (publisher confirms on), and a model provider over the models stream.
struct HostileSession {
    let consumer: AMQPConnection
    let publisher: AMQPConnection
    let models: ModelProvider

    init(url: AMQPURL, id: String, prefetch: Int, logger: Logger) throws {
        consumer = try AMQPConnection(url: url, connectionName: "hostile \(id) consume", maxBodyBytes: 128 << 20, logger: logger)
        publisher = try AMQPConnection(url: url, connectionName: "hostile \(id) publish", maxBodyBytes: 128 << 20, logger: logger)
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: UInt16(clamping: max(prefetch, 1)))
        models = ModelProvider(cache: ModelCache(maxBytes: 1 << 28), reader: ModelStreamReader(url: url, maxModelBytes: 1 << 28, logger: logger))
    }

    func close() {
        consumer.close()
        publisher.close()
    }
}
