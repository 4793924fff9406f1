import Foundation
import Logging
import SecureNets
import SecureNetsMessaging

/// Fetches a model (blinded or quantized) from the `securenets.models` stream by digest, starting just before the
/// time the job says it was published, and checks it against its SHA-256.
///
/// Given a cluster's URLs, each fetch connects to the first node that takes the connection,
/// starting with the one that took the last (``AMQPURLList/connect(connectionName:startingAt:maxBodyBytes:logger:)``).
public struct ModelStreamReader: Sendable {
    public let urls: AMQPURLList
    public let maxModelBytes: Int
    public let timeout: TimeInterval
    public let logger: Logger
    private let lastTurn = LastTurn()

    public init(urls: AMQPURLList, maxModelBytes: Int, timeout: TimeInterval = 60, logger: Logger) {
        self.urls = urls
        self.maxModelBytes = maxModelBytes
        self.timeout = timeout
        self.logger = logger
    }

    /// A reader of one broker URL.
    public init(url: AMQPURL, maxModelBytes: Int, timeout: TimeInterval = 60, logger: Logger) {
        self.init(urls: AMQPURLList(url), maxModelBytes: maxModelBytes, timeout: timeout, logger: logger)
    }

    public func fetch(digest: String, publishedAtMs: Int64) throws -> PublishedModel {
        let (connection, turn) = try urls.connect(connectionName: "securenets-model-reader", startingAt: lastTurn.value,
                                                  logger: logger)
        lastTurn.value = turn
        defer { connection.close() }
        try connection.setPrefetch(count: 64)
        // Stream timestamps have one-second resolution: start a little earlier than the publication.
        let start = Date(timeIntervalSince1970: Double(publishedAtMs) / 1000 - 5)
        let tag = try connection.consume(queue: SecureNetsTopology.modelsStream,
                                         arguments: ["x-stream-offset": .timestamp(start)])
        var assembler = ModelAssembler(digest: digest, maxBytes: maxModelBytes)
        let deadline = Date().addingTimeInterval(timeout)
        let limits = FrameLimits(maxFrameBytes: maxModelBytes + (1 << 20), maxBlobBytes: maxModelBytes)
        while Date() < deadline {
            guard let delivery = try connection.nextDelivery(timeout: .seconds(1)) else { continue }
            try connection.ack(deliveryTag: delivery.deliveryTag)
            guard let frame = try? FrameCodec.decode(delivery.body, limits: limits) else { continue }
            if let bytes = try assembler.add(frame) {
                try? connection.cancel(consumerTag: tag)
                let model = try PublishedModel.decode(bytes, limits: FrameLimits(maxFrameBytes: maxModelBytes + (1 << 20),
                                                                             maxTensorElements: maxModelBytes / 4))
                logger.info("fetched model", metadata: ["model": "\(digest.prefix(12))", "bytes": "\(bytes.count)"])
                return model
            }
        }
        throw ModelFetchError(digest: digest, seconds: timeout)
    }
}

/// The URL turn that took the last connection, shared by the copies of one reader.
private final class LastTurn: @unchecked Sendable {
    private let lock = NSLock()
    private var turn = 0
    var value: Int {
        get { lock.withLock { turn } }
        set { lock.withLock { turn = newValue } }
    }
}

/// The model named by a job did not appear on the stream in time.
public struct ModelFetchError: Error, CustomStringConvertible {
    public let digest: String
    public let seconds: TimeInterval
    public var description: String {
        "model \(digest.prefix(12)) not found on stream \(SecureNetsTopology.modelsStream) within \(Int(seconds)) s"
    }
}

/// The cache in front of the stream: what workers and verifiers ask for models.
public final class ModelProvider: @unchecked Sendable {
    public let cache: ModelCache
    public let reader: ModelStreamReader

    public init(cache: ModelCache, reader: ModelStreamReader) {
        self.cache = cache
        self.reader = reader
    }

    public func model(digest: String, publishedAtMs: Int64) throws -> PublishedModel {
        if let model = cache.model(for: digest) { return model }
        let model = try reader.fetch(digest: digest, publishedAtMs: publishedAtMs)
        cache.insert(model, digest: digest)
        return model
    }
}
