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

    /// The public keys of a local installation.
    public struct PublicKeys: Sendable, Equatable {
        public let producer: TrustedKey
        public let verifier: TrustedKey
    }

    /// Ensures both key pairs exist and the producer is authorized, and returns their public keys.
    ///
    /// Safe to call from several processes at once: each private key is created whole or not at all
    /// (``KeyFiles/create(privateKeyAt:comment:)`` never replaces one), a process that loses the race
    /// loads the winner's key, public keys are derived from the private ones (a `.pub` missing after
    /// a crash is written again), and authorizing appends under a lock without duplicating the line.
    /// So all callers end with the same one key pair of each kind.
    @discardableResult
    public func ensureLocalDefaults() throws -> PublicKeys {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let producer = try ensureKeyPair(at: producerPrivateKey, comment: "local-producer")
        let verifier = try ensureKeyPair(at: verifierPrivateKey, comment: "local-verifier")
        try KeyFiles.authorize(producer, in: authorizedProducers)
        return PublicKeys(producer: producer, verifier: verifier)
    }

    private func ensureKeyPair(at url: URL, comment: String) throws -> TrustedKey {
        if !FileManager.default.fileExists(atPath: url.path) {
            do { _ = try KeyFiles.create(privateKeyAt: url, comment: comment) } catch {
                // Another process created it in between: use theirs.
                if !FileManager.default.fileExists(atPath: url.path) { throw error }
            }
        }
        let key = TrustedKey(publicKey: try KeyFiles.loadPrivateKey(at: url).publicKey.publicKey, comment: comment)
        let publicKeyFile = KeyFiles.publicKeyURL(for: url)
        if (try? KeyFiles.loadTrustedKeys(at: publicKeyFile)) != [key] {
            try KeyFiles.writePublicKey(key, for: url)
        }
        return key
    }
}
