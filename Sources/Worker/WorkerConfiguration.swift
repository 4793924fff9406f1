import Foundation
import SecureNets
import SecureNetsMessaging

/// Everything a worker needs; no key of any kind.
public struct WorkerConfiguration: Sendable {
    public var workerID: String
    /// The broker's URLs, one per cluster node, tried in turn (``FailoverSchedule``).
    public var amqpURLs: AMQPURLList
    /// Jobs the broker may deliver ahead of the one being computed.
    public var prefetch: Int
    public var modelCacheBytes: Int
    public var maxMessageBytes: Int
    /// The masked-mode pool this worker serves, or nil for blinded-mode jobs. Never both.
    public var pool: MaskedPool?

    public init(workerID: String, amqpURLs: AMQPURLList, prefetch: Int = 2, modelCacheBytes: Int = 1 << 30,
                maxMessageBytes: Int = 128 << 20, pool: MaskedPool? = nil) {
        self.workerID = workerID
        self.amqpURLs = amqpURLs
        self.prefetch = prefetch
        self.modelCacheBytes = modelCacheBytes
        self.maxMessageBytes = maxMessageBytes
        self.pool = pool
    }
}
