import Foundation
import SecureNets
import SecureNetsMessaging

/// Everything a verifier needs. It holds its own signing key and the producers' public keys, never a
/// blinding key.
public struct VerifierConfiguration: Sendable {
    public var verifierID: String
    /// The broker's URLs, one per cluster node, tried in turn (``FailoverSchedule``).
    public var amqpURLs: AMQPURLList
    public var databaseURL: String
    public var signingKeyPath: URL
    public var authorizedProducersPath: URL
    public var rounds: Int
    public var prefetch: Int
    public var modelCacheBytes: Int
    public var maxMessageBytes: Int
    /// The masked-mode pools whose results this verifier consumes and checks (blinded results always).
    public var pools: Set<MaskedPool>

    public init(verifierID: String, amqpURLs: AMQPURLList, databaseURL: String, signingKeyPath: URL,
                authorizedProducersPath: URL, rounds: Int = 2, prefetch: Int = 1,
                modelCacheBytes: Int = 1 << 30, maxMessageBytes: Int = 128 << 20,
                pools: Set<MaskedPool> = Set(MaskedPool.allCases)) {
        self.verifierID = verifierID
        self.amqpURLs = amqpURLs
        self.databaseURL = databaseURL
        self.signingKeyPath = signingKeyPath
        self.authorizedProducersPath = authorizedProducersPath
        self.rounds = rounds
        self.prefetch = prefetch
        self.modelCacheBytes = modelCacheBytes
        self.maxMessageBytes = maxMessageBytes
        self.pools = pools
    }

    /// A verifier of a single-node broker.
    public init(verifierID: String, amqpURL: AMQPURL, databaseURL: String, signingKeyPath: URL,
                authorizedProducersPath: URL) {
        self.init(verifierID: verifierID, amqpURLs: AMQPURLList(amqpURL), databaseURL: databaseURL,
                  signingKeyPath: signingKeyPath, authorizedProducersPath: authorizedProducersPath)
    }
}
