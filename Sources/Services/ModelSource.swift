import SecureNets

/// Where workers and verifiers read models (blinded or quantized): `ModelProvider` (the models stream behind a cache)
/// in production, a dictionary in unit tests. A broker failure is thrown as `AMQPError` (the message
/// stays unacked and is retried); any other error means this model cannot be had.
public protocol ModelSource: AnyObject {
    func model(digest: String, publishedAtMs: Int64) throws -> PublishedModel
}

extension ModelProvider: ModelSource {}
