/// How an `amqps://` connection sets up TLS: the query parameters of RabbitMQ's own URI
/// specification, with the same names and meanings.
///
/// | parameter | meaning | default |
/// |---|---|---|
/// | `cacertfile` | PEM file of the CAs that may sign the broker's certificate | the system's trust store |
/// | `certfile`, `keyfile` | PEM client certificate and its unencrypted key (both or neither) | no client certificate |
/// | `verify` | `verify_peer` or `verify_none` | `verify_peer` |
/// | `server_name_indication` | the name sent in SNI and checked against the certificate, or `disable` | the URL's host |
///
/// With `verify_peer` the broker's certificate must chain to a trusted CA, be valid now, and name
/// the host: the URL's host, or `server_name_indication` when given (as in RabbitMQ's Erlang
/// client, `disable` sends no name and checks none). `verify_none` encrypts without knowing who
/// is at the other end: anyone on the path can read and change the traffic.
public struct AMQPTLSOptions: Hashable, Sendable {
    /// What the client tells the server it wants to reach, and checks the certificate against.
    public enum ServerName: Hashable, Sendable {
        /// The URL's host (for an IP address: checked against the certificate's IP addresses, not
        /// sent, as SNI carries only DNS names).
        case host
        /// This DNS name, whatever host is connected to.
        case name(String)
        /// No SNI, and no name check (the chain is still verified).
        case disabled
    }

    /// `cacertfile`.
    public var caCertificateFile: String?
    /// `certfile`.
    public var certificateFile: String?
    /// `keyfile`.
    public var keyFile: String?
    /// `verify`: true for `verify_peer`.
    public var verifyPeer: Bool
    /// `server_name_indication`.
    public var serverName: ServerName

    /// The parameter names, in the order ``AMQPURL/description`` writes them.
    public static let parameterNames = ["cacertfile", "certfile", "keyfile", "verify", "server_name_indication"]

    /// Builds options from their parts; the defaults verify the broker against the system's CAs.
    public init(caCertificateFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                verifyPeer: Bool = true, serverName: ServerName = .host) {
        self.caCertificateFile = caCertificateFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
        self.serverName = serverName
    }

    /// Reads already percent-decoded `name=value` pairs.
    ///
    /// - Throws: the sentence `invalid` makes of what is wrong: an unknown or repeated parameter,
    ///   an empty value, a `verify` other than `verify_peer`/`verify_none`, a server name that is
    ///   not a DNS name, a path longer than 4096 bytes, a certificate without its key.
    init(parameters: [(name: String, value: String)], _ invalid: (String) -> AMQPError) throws {
        self.init()
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard Self.parameterNames.contains(name) else {
                throw invalid("unknown query parameter '\(name)' (amqps:// URLs take "
                              + Self.parameterNames.joined(separator: ", ") + ")")
            }
            guard seen.insert(name).inserted else { throw invalid("query parameter '\(name)' appears twice") }
            guard !value.isEmpty else { throw invalid("query parameter '\(name)' has no value") }
            switch name {
            case "cacertfile": caCertificateFile = try Self.path(value, name, invalid)
            case "certfile": certificateFile = try Self.path(value, name, invalid)
            case "keyfile": keyFile = try Self.path(value, name, invalid)
            case "verify":
                switch value {
                case "verify_peer": verifyPeer = true
                case "verify_none": verifyPeer = false
                default: throw invalid("verify must be verify_peer or verify_none, not '\(value)'")
                }
            default:
                if value == "disable" {
                    serverName = .disabled
                } else {
                    guard Self.isDNSName(value) else {
                        throw invalid("server_name_indication must be a DNS name or 'disable', not '\(value)'")
                    }
                    serverName = .name(value)
                }
            }
        }
        if (certificateFile == nil) != (keyFile == nil) {
            throw invalid(certificateFile == nil ? "keyfile needs certfile (the client certificate it belongs to)"
                                                 : "certfile needs keyfile (the client certificate's private key)")
        }
    }

    /// The parameters as they would be written in a URL, for descriptions: paths are not secret.
    var parameters: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        if let caCertificateFile { result.append(("cacertfile", caCertificateFile)) }
        if let certificateFile { result.append(("certfile", certificateFile)) }
        if let keyFile { result.append(("keyfile", keyFile)) }
        if !verifyPeer { result.append(("verify", "verify_none")) }
        switch serverName {
        case .host: break
        case .name(let name): result.append(("server_name_indication", name))
        case .disabled: result.append(("server_name_indication", "disable"))
        }
        return result
    }

    private static func path(_ value: String, _ name: String, _ invalid: (String) -> AMQPError) throws -> String {
        guard value.utf8.count <= 4096 else { throw invalid("the \(name) path is longer than 4096 bytes") }
        return value
    }

    /// Letters, digits, hyphens and dots, at most 253 bytes: what SNI may carry (RFC 6066).
    static func isDNSName(_ text: String) -> Bool {
        guard (1...253).contains(text.utf8.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-")
            }
        }
    }
}
