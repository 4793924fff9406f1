import Foundation
import SecureNets

/// The key files of a local installation, created and wired on first use so that a first run needs
/// no key handling: the producer's key is authorized by the verifier, and the producer trusts the
/// verifier's public key. Deployments pass explicit paths instead.
public struct LocalKeyring: Sendable {
    public let directory: URL

    public init(directory: URL = ServiceEnvironment.home.appendingPathComponent("keys")) { self.directory = directory }

    public var producerPrivateKey: URL { directory.appendingPathComponent("producer.key") }
    public var verifierPrivateKey: URL { directory.appendingPathComponent("verifier.key") }
    public var verifierPublicKey: URL { KeyFiles.publicKeyURL(for: verifierPrivateKey) }
    public var authorizedProducers: URL { directory.appendingPathComponent("authorized_producers") }

    /// Ensures both key pairs exist and the producer is authorized. Safe to call from several processes:
    /// a key another process created in between is loaded, not replaced.
    public func ensureLocalDefaults() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        for (key, comment) in [(producerPrivateKey, "local-producer"), (verifierPrivateKey, "local-verifier")]
        where !FileManager.default.fileExists(atPath: key.path) {
            do { _ = try KeyFiles.create(privateKeyAt: key, comment: comment) } catch {
                if !FileManager.default.fileExists(atPath: key.path) { throw error }
            }
        }
        let producer = try KeyFiles.loadTrustedKeys(at: KeyFiles.publicKeyURL(for: producerPrivateKey))
        for key in producer { try KeyFiles.authorize(key, in: authorizedProducers) }
    }
}
