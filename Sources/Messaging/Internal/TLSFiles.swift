#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the files an `amqps://` URL names before OpenSSL reads them, so that a mistake reads
/// "keyfile /etc/securenets/worker.key: no such file" rather than OpenSSL's "system lib", and a
/// key that needs a passphrase or that others may read is refused with what to do about it.
///
/// Only paths and sizes go into errors, never a file's contents.
enum TLSFiles {
    /// A PEM bundle larger than this is not a certificate file (the whole Debian trust store is
    /// about 200 KiB).
    static let maxBytes = 1 << 20

    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/tlsConfigurationInvalid``.
    static func check(_ options: AMQPTLSOptions) throws {
        if let path = options.caCertificateFile {
            let text = try read(path, parameter: "cacertfile")
            guard text.contains("-----BEGIN CERTIFICATE-----") else {
                throw invalid("cacertfile \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----); "
                              + "convert a DER file with openssl x509 -inform der -in FILE -out FILE.pem")
            }
        }
        if let path = options.certificateFile {
            guard try read(path, parameter: "certfile").contains("-----BEGIN CERTIFICATE-----") else {
                throw invalid("certfile \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            }
        }
        if let path = options.keyFile {
            try checkKeyPermissions(path)
            let text = try read(path, parameter: "keyfile")
            guard text.contains("PRIVATE KEY-----") else {
                throw invalid("keyfile \(path) holds no PEM private key (-----BEGIN PRIVATE KEY-----)")
            }
            guard !text.contains("ENCRYPTED") else {
                throw invalid("keyfile \(path) is protected by a passphrase, which a service cannot type: "
                              + "store it unencrypted (openssl pkey -in KEY -out KEY.plain) and protect it with "
                              + "file permissions (chmod 600)")
            }
        }
    }

    /// The same rule as libpq's for `sslkey`, so one key file serves both: no access for group or
    /// others when the file is ours, at most group read when root owns it.
    private static func checkKeyPermissions(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return } // read() reports the missing file
        let mode = info.st_mode & 0o777
        let tooOpen = info.st_uid == geteuid() ? mode & 0o077 != 0 : mode & 0o037 != 0
        if tooOpen {
            throw invalid("keyfile \(path) may be read by other users (mode 0\(String(mode, radix: 8))): "
                          + "chmod 600 it (0640 at most if root owns it)")
        }
    }

    /// The file's text, after checking that it is a readable regular file of sane size.
    private static func read(_ path: String, parameter: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw invalid("\(parameter) \(path): \(errorText(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw invalid("\(parameter) \(path) is not a regular file")
        }
        guard info.st_size <= maxBytes else {
            throw invalid("\(parameter) \(path) is \(info.st_size) bytes, more than any PEM file should be "
                          + "(\(maxBytes) at most)")
        }
        guard let file = fopen(path, "rb") else {
            throw invalid("\(parameter) \(path) cannot be read: \(errorText(errno))")
        }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        return String(decoding: bytes.prefix(count), as: UTF8.self)
    }

    private static func invalid(_ message: String) -> AMQPError {
        AMQPError(.tlsConfigurationInvalid, message)
    }

    private static func errorText(_ code: Int32) -> String {
        code == ENOENT ? "no such file" : String(cString: strerror(code)).lowercased()
    }
}
