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

    init(urls: AMQPURLList, id: String, prefetch: Int, logger: Logger) throws {
        let (consumer, turn) = try urls.connect(connectionName: "hostile \(id) consume", maxBodyBytes: 128 << 20, logger: logger)
        self.consumer = consumer
        publisher = try urls.connect(connectionName: "hostile \(id) publish", startingAt: turn, maxBodyBytes: 128 << 20,
                                     logger: logger).connection
        try publisher.enablePublisherConfirms()
        try consumer.setPrefetch(count: UInt16(clamping: max(prefetch, 1)))
        models = ModelProvider(cache: ModelCache(maxBytes: 1 << 28), reader: ModelStreamReader(urls: urls, maxModelBytes: 1 << 28, logger: logger))
    }

    func close() {
        consumer.close()
        publisher.close()
    }
}
