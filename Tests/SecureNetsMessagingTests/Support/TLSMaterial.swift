import Foundation
import SecureNetsMessaging

/// The broker's TLS listener as the tests reach it: `SECURENETS_AMQPS_URL`, or the URL that
/// `infra/local/rabbitmq url --tls` prints (same environment as the broker that `infra/local/up`
/// started: SECURENETS_VAR_DIR, SECURENETS_RABBITMQ_TLS_PORT).
enum TLSBroker {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var url: AMQPURL {
        get throws {
            if let url = ProcessInfo.processInfo.environment["SECURENETS_AMQPS_URL"], !url.isEmpty {
                return try AMQPURL(url)
            }
            let script = repositoryRoot.appendingPathComponent("infra/local/rabbitmq")
            let printed = try OpenSSLTool.run(script.path, ["url", "--tls"])
            return try AMQPURL(printed.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The local CA's directory (ca.pem, ca.key, client.pem, ...), where the URL's cacertfile is.
    static var localCADirectory: URL {
        get throws {
            guard let caFile = try url.tls?.caCertificateFile else { throw TestFailure("the amqps URL has no cacertfile") }
            return URL(fileURLWithPath: caFile).deletingLastPathComponent()
        }
    }

    /// The plain listener of the same broker (Broker.url), with the TLS settings of `url`.
    static var plainPortWithTLS: AMQPURL {
        get throws {
            var url = try url
            url.port = try Broker.url.port
            return url
        }
    }
}

/// Throwaway certificates made with the `openssl` command for one test, removed with the object.
final class CertificateFactory {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-tls-tests-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A certificate and its key file (mode 0600).
    struct Issued {
        let certificate: String
        let key: String
    }

    /// A new self-signed CA named `name`.
    func authority(_ name: String) throws -> Issued {
        let issued = Issued(certificate: path("\(name).pem"), key: path("\(name).key"))
        try newKey(issued.key)
        _ = try OpenSSLTool.run("openssl", ["req", "-x509", "-new", "-key", issued.key, "-out", issued.certificate,
                                            "-days", "30", "-subj", "/CN=\(name)",
                                            "-addext", "basicConstraints=critical,CA:TRUE",
                                            "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return issued
    }

    /// A leaf certificate for `commonName` signed by `authority`; `expired` makes it valid only in
    /// January 2020 (through `openssl ca`, the only command that writes a past date).
    func leaf(_ name: String, commonName: String, signedBy authority: Issued, client: Bool,
              subjectAltName: String? = nil, expired: Bool = false) throws -> Issued {
        let issued = Issued(certificate: path("\(name).pem"), key: path("\(name).key"))
        try newKey(issued.key)
        let request = path("\(name).csr")
        _ = try OpenSSLTool.run("openssl", ["req", "-new", "-key", issued.key, "-subj", "/CN=\(commonName)", "-out", request])
        var extensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            + "extendedKeyUsage=\(client ? "clientAuth" : "serverAuth")\n"
        if let subjectAltName { extensions += "subjectAltName=\(subjectAltName)\n" }
        let extensionFile = path("\(name).ext")
        try extensions.write(toFile: extensionFile, atomically: true, encoding: .utf8)
        if expired {
            let database = path("\(name)-ca")
            try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: true)
            try "".write(toFile: "\(database)/index", atomically: true, encoding: .utf8)
            try "01\n".write(toFile: "\(database)/serial", atomically: true, encoding: .utf8)
            let config = """
                [ca]
                default_ca = test
                [test]
                database = \(database)/index
                new_certs_dir = \(database)
                serial = \(database)/serial
                default_md = sha256
                policy = any
                [any]
                commonName = supplied
                """
            try config.write(toFile: "\(database)/ca.cnf", atomically: true, encoding: .utf8)
            _ = try OpenSSLTool.run("openssl", ["ca", "-batch", "-config", "\(database)/ca.cnf", "-cert", authority.certificate,
                                                "-keyfile", authority.key, "-in", request, "-out", issued.certificate,
                                                "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                                                "-extfile", extensionFile, "-notext"])
        } else {
            _ = try OpenSSLTool.run("openssl", ["x509", "-req", "-in", request, "-CA", authority.certificate,
                                                "-CAkey", authority.key, "-set_serial", "0x\(UUID().uuidString.prefix(8))",
                                                "-days", "30", "-extfile", extensionFile, "-out", issued.certificate])
        }
        return issued
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func newKey(_ path: String) throws {
        _ = try OpenSSLTool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        chmod(path, 0o600)
    }
}

/// `openssl s_server` presenting one certificate on a free loopback port: a real TLS server for
/// certificates the broker cannot be given without a restart (an expired one).
final class OpenSSLServer {
    let port: Int
    private let process = Process()

    init(certificate: CertificateFactory.Issued) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", certificate.certificate,
                             "-key", certificate.key, "-naccept", "1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        // "ACCEPT 127.0.0.1:38801" once it listens.
        var printed = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += String(decoding: chunk, as: UTF8.self)
            if let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
               let port = line.split(separator: ":").last.flatMap({ Int($0) }) {
                self.port = port
                return
            }
        }
        process.terminate()
        throw TestFailure("openssl s_server did not start listening: \(printed)")
    }

    deinit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Runs a command (through `env`, so `openssl` is found on PATH) and returns its standard output.
enum OpenSSLTool {
    @discardableResult
    static func run(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(command) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): "
                              + String(decoding: complaints, as: UTF8.self))
        }
        return String(decoding: printed, as: UTF8.self)
    }
}
