import Foundation
import SecureNetsAudit
import Testing

/// TLS to the real PostgreSQL that infra/local/postgres runs with ssl=on: libpq's own URL parameters
/// (`sslmode=verify-full`, `sslrootcert`, `sslcert`, `sslkey`) reach libpq unchanged, and refusals say
/// what failed and what to change.
@Suite("TLS to PostgreSQL", .serialized)
struct PostgresTLSTests {
    @Test func verifyFullConnectsOverTLSWithTheClientCertificate() throws {
        let connection = try TestDatabase.connect(try TLSDatabase.url)
        defer { connection.close() }
        let rows = try connection.execute("SELECT ssl, version, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(rows.first?[0] == "t", "the session is encrypted")
        #expect(rows.first?[2] == "/CN=securenets-client", "the server saw our client certificate: \(rows)")
        #expect(connection.target.hasSuffix("(sslmode=verify-full)"))
    }

    @Test func anUnknownCAIsRefused() throws {
        let directory = try TemporaryDirectory()
        let stranger = try TLSDatabase.makeAuthority(in: directory.url)
        let url = try TLSDatabase.url.replacingParameter("sslrootcert", with: stranger)
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("certificate verify failed"), "\(error)")
        #expect(error.hint?.contains("unknown CA") == true && error.hint?.contains("sslrootcert \(stranger)") == true, "\(error)")
    }

    @Test func aHostNameTheCertificateDoesNotHoldIsRefused() throws {
        // hostaddr connects to the server while host names what its certificate must hold.
        let url = try TLSDatabase.url.replacingOccurrences(of: "@127.0.0.1:", with: "@db.example.invalid:")
            + "&hostaddr=127.0.0.1"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("does not match host name \"db.example.invalid\""), "\(error)")
        #expect(error.hint?.contains("hostaddr") == true, "\(error)")
    }

    @Test func aClientCertificateFromAnotherCAIsRefusedByTheServer() throws {
        let directory = try TemporaryDirectory()
        let stranger = try TLSDatabase.makeAuthority(in: directory.url)
        let key = directory.url.appendingPathComponent("stranger.key").path
        let url = try TLSDatabase.url.replacingParameter("sslcert", with: stranger).replacingParameter("sslkey", with: key)
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("unknown ca"), "\(error)")
        #expect(error.hint?.contains("the server refused our client certificate (sslcert \(stranger))") == true, "\(error)")
    }

    @Test func theKeysPassphraseNeverAppears() throws {
        let url = try TLSDatabase.url.replacingParameter("sslkey", with: "/nonexistent/client.key") + "&sslpassword=Ke7Passphrase"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.message.contains("/nonexistent/client.key"), "\(error)")
        #expect(!"\(error)".contains("Ke7Passphrase"))
    }
}

/// The TLS URL of the test server: `SECURENETS_DATABASE_TLS_URL`, or what `infra/local/postgres url --tls`
/// prints for the same environment (SECURENETS_VAR_DIR, SECURENETS_PG_PORT).
enum TLSDatabase {
    static var url: String {
        get throws {
            if let url = ProcessInfo.processInfo.environment["SECURENETS_DATABASE_TLS_URL"], !url.isEmpty { return url }
            return try run(TestDatabase.repositoryRoot.appendingPathComponent("infra/local/postgres").path, ["url", "--tls"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A self-signed CA no server trusts, `stranger.pem` with its key `stranger.key` (mode 0600).
    static func makeAuthority(in directory: URL) throws -> String {
        let certificate = directory.appendingPathComponent("stranger.pem").path
        let key = directory.appendingPathComponent("stranger.key").path
        try run("openssl", ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", key, "-out", certificate, "-days", "30", "-subj", "/CN=stranger"])
        chmod(key, 0o600)
        return certificate
    }

    @discardableResult
    static func run(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("\(command) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus))")
        }
        return String(decoding: printed, as: UTF8.self)
    }
}

extension String {
    /// This URL with query parameter `name` set to `value` (it must be there already).
    func replacingParameter(_ name: String, with value: String) throws -> String {
        guard let range = range(of: "\(name)=") else { throw TestSetupError("the TLS URL has no \(name): \(self)") }
        let end = self[range.upperBound...].firstIndex(of: "&") ?? endIndex
        return replacingCharacters(in: range.upperBound..<end, with: value)
    }
}
