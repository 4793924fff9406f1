import ArgumentParser
import Foundation
import SecureNets
import SecureNetsServices

/// `securenets keygen`: the producer's Ed25519 signing key.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create the producer's Ed25519 key pair.",
        discussion: """
        Writes the private key (mode 0600) and <path>.pub. Add the .pub line to the verifier's
        authorized-keys file so that it accepts your jobs. Without flags, `submit` creates and wires
        local keys on first use; use this for deployments.
        """
    )

    @Option(help: "Private key path (default: $SECURENETS_HOME/keys/producer.key).")
    var output: String?

    func run() throws {
        let path = URL(fileURLWithPath: output ?? LocalKeyring().producerPrivateKey.path)
        let identity = try KeyFiles.create(privateKeyAt: path, comment: "producer")
        print("private key: \(path.path)")
        print("public key:  \(KeyFiles.publicKeyURL(for: path).path)")
        print("fingerprint: \(identity.publicKey.fingerprint)")
        print("authorize it on the verifier with this line:\n\(identity.publicKey.authorizedKeyLine)")
    }
}
