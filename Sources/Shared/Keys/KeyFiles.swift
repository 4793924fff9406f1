import Crypto
import Foundation

/// Reads and writes key files. Private keys: one line `securenets-ed25519-private <base64>`, mode 0600.
/// Public keys and authorized-keys files: lines `ed25519 <base64> [comment]`; `#` starts a comment.
public enum KeyFiles {
    static let privateTag = "securenets-ed25519-private"

    /// Writes a new private key (0600) and its public key next to it (`<path>.pub`, 0644).
    /// Refuses to overwrite an existing private key.
    ///
    /// Race-free: the key is written in full to a private temporary file, then linked into place
    /// (`link(2)` fails rather than replace), so a concurrent reader sees no key or a whole one, and of
    /// two processes creating the same key one wins and the other gets "already exists".
    public static func create(privateKeyAt url: URL, comment: String) throws -> SigningIdentity {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: url.path) else { throw KeyFileError(url, "already exists; refusing to overwrite a key") }
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
        let identity = SigningIdentity()
        let text = "\(privateTag) \(identity.privateKey.rawRepresentation.base64EncodedString())\n"
        let temporary = temporaryURL(beside: url, suffix: ".key")
        try writeOwnerOnly(Array(text.utf8), to: temporary)
        defer { unlink(temporary.path) }
        guard link(temporary.path, url.path) == 0 else {
            throw KeyFileError(url, errno == EEXIST ? "already exists; refusing to overwrite a key" : "cannot be created")
        }
        try writePublicKey(TrustedKey(publicKey: identity.privateKey.publicKey, comment: comment), for: url)
        return identity
    }

    /// Writes `<private key path>.pub` (0644) atomically (a temporary file renamed over it), so a
    /// reader never sees half a line; writing the same key again is harmless.
    public static func writePublicKey(_ key: TrustedKey, for privateKeyURL: URL) throws {
        let url = publicKeyURL(for: privateKeyURL)
        // Ends in ".pub" so that it reads as what it is: a public file.
        let temporary = temporaryURL(beside: privateKeyURL, suffix: ".pub")
        defer { unlink(temporary.path) }
        do {
            try Data((key.authorizedKeyLine + "\n").utf8).write(to: temporary)
        } catch {
            throw KeyFileError(url, "cannot be written")
        }
        guard rename(temporary.path, url.path) == 0 else { throw KeyFileError(url, "cannot be written") }
    }

    /// A hidden, unique name in the directory of `url`.
    private static func temporaryURL(beside url: URL, suffix: String) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)\(suffix)")
    }

    /// Creates `url` with mode 0600 from the start (`O_CREAT | O_EXCL`) and writes `bytes`: the key is never
    /// on disk with wider permissions.
    private static func writeOwnerOnly(_ bytes: [UInt8], to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw KeyFileError(url, "cannot be created") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                close(descriptor)
                unlink(url.path)
                throw KeyFileError(url, "cannot be written")
            }
            written += count
        }
        let restricted = fchmod(descriptor, 0o600) == 0  // in case a umask had cleared the owner's bits
        let synced = fsync(descriptor) == 0  // whole on disk before it is linked into place
        guard close(descriptor) == 0, restricted, synced else {
            unlink(url.path)
            throw KeyFileError(url, "cannot be written")
        }
    }

    /// `<private key path>.pub`.
    public static func publicKeyURL(for privateKeyURL: URL) -> URL {
        privateKeyURL.deletingLastPathComponent().appendingPathComponent(privateKeyURL.lastPathComponent + ".pub")
    }

    /// Loads a private key, refusing one that others can read.
    public static func loadPrivateKey(at url: URL) throws -> SigningIdentity {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: url.path) } catch {
            throw KeyFileError(url, "does not exist or cannot be read")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw KeyFileError(url, "is readable by others (mode \(String(mode, radix: 8))); run chmod 600")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8), text.utf8.count < 4096 else {
            throw KeyFileError(url, "is not a text key file")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == privateTag, let raw = Data(base64Encoded: String(parts[1])),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw KeyFileError(url, "is not a SecureNets Ed25519 private key")
        }
        return SigningIdentity(privateKey: key)
    }

    /// Loads every key of a public-key or authorized-keys file.
    public static func loadTrustedKeys(at url: URL) throws -> [TrustedKey] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw KeyFileError(url, "does not exist or is not UTF-8 text")
        }
        guard text.utf8.count <= 1 << 20 else { throw KeyFileError(url, "is larger than 1 MiB") }
        var keys: [TrustedKey] = []
        // `\.isNewline` also splits at "\r\n", which Swift treats as one Character that "\n" does not match.
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0] == "ed25519", let raw = Data(base64Encoded: String(parts[1])),
                  let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw KeyFileError(url, "line \(number + 1) is not `ed25519 <base64 key> [comment]`")
            }
            keys.append(TrustedKey(publicKey: key, comment: parts.count > 2 ? String(parts[2]) : ""))
        }
        return keys
    }

    /// Appends `key` to an authorized-keys file unless it is already there.
    ///
    /// Holds an exclusive `flock` on the file while it reads and appends (`O_APPEND`), so that
    /// processes authorizing at once neither lose a line nor add one twice. Creates the file (0644)
    /// if needed.
    public static func authorize(_ key: TrustedKey, in url: URL) throws {
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw KeyFileError(url, "cannot be opened for writing") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw KeyFileError(url, "cannot be locked") }
        }
        let existing = try loadTrustedKeys(at: url)
        guard !existing.contains(key) else { return }
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var line = key.authorizedKeyLine + "\n"
        if let last = text.last, !last.isNewline { line = "\n" + line }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw KeyFileError(url, "cannot be written") }
    }
}

/// A key file that cannot be used, naming the file.
public struct KeyFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String

    init(_ url: URL, _ problem: String) {
        path = url.path
        self.problem = problem
    }

    public var description: String { "key file \(path) \(problem)" }
}
