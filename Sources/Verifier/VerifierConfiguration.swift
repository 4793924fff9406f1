import Foundation
import SecureNetsMessaging

/// Everything a verifier needs. It holds its own signing key and the producers' public keys, never a
/// blinding key.
public struct VerifierConfiguration: Sendable {
    public var verifierID: String
    public var amqpURL: AMQPURL
    public var databaseURL: String
    public var signingKeyPath: URL
    public var authorizedProducersPath: URL
    public var rounds: Int
    public var prefetch: Int
    public var modelCacheBytes: Int
    public var maxMessageBytes: Int

    public init(verifierID: String, amqpURL: AMQPURL, databaseURL: String, signingKeyPath: URL,
                authorizedProducersPath: URL, rounds: Int = 2, prefetch: Int = 1,
                modelCacheBytes: Int = 1 << 30, maxMessageBytes: Int = 128 << 20) {
        self.verifierID = verifierID
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.signingKeyPath = signingKeyPath
        self.authorizedProducersPath = authorizedProducersPath
        self.rounds = rounds
        self.prefetch = prefetch
        self.modelCacheBytes = modelCacheBytes
        self.maxMessageBytes = maxMessageBytes
    }
}
