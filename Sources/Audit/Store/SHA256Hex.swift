import Crypto
import Foundation

/// Lowercase hex SHA-256, the digest format of migration checksums and audit row hashes.
func sha256Hex<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
