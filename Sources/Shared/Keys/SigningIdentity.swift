import Crypto
import Foundation

/// An Ed25519 key pair that signs manifests: the producer's (jobs) or the verifier's (replies).
public struct SigningIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(privateKey: Curve25519.Signing.PrivateKey = .init()) { self.privateKey = privateKey }

    public var publicKey: TrustedKey { TrustedKey(publicKey: privateKey.publicKey, comment: "") }

    /// An Ed25519 signature of exactly `bytes`.
    public func sign(_ bytes: [UInt8]) throws -> [UInt8] { Array(try privateKey.signature(for: bytes)) }
}

/// A public key trusted to sign, with its fingerprint (SHA-256 of the raw 32-byte key, hex).
public struct TrustedKey: Sendable, Equatable {
    public let publicKey: Curve25519.Signing.PublicKey
    public let comment: String

    public init(publicKey: Curve25519.Signing.PublicKey, comment: String) {
        self.publicKey = publicKey
        self.comment = comment
    }

    public var fingerprint: String { Digest.sha256Hex(publicKey.rawRepresentation) }

    public func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        signature.count == 64 && publicKey.isValidSignature(signature, for: bytes)
    }

    public static func == (lhs: TrustedKey, rhs: TrustedKey) -> Bool {
        lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    /// One line of an authorized-keys file: `ed25519 <base64 raw key> [comment]`.
    public var authorizedKeyLine: String {
        "ed25519 \(publicKey.rawRepresentation.base64EncodedString())" + (comment.isEmpty ? "" : " \(comment)")
    }
}
