/// Where, as whom and how to connect: a parsed `amqp://user:password@host:port/vhost` or
/// `amqps://…/vhost?cacertfile=…` URL.
///
/// Parsing follows RabbitMQ's AMQP URI specification, with one deliberate refusal:
/// - user, password and vhost are percent-decoded (`%2f` is `/`, so `amqp://h/%2f` names the
///   default vhost `/`);
/// - a URL without a path (`amqp://host`) names the default vhost `/`;
/// - a URL ending in a bare slash (`amqp://host/`) names the empty vhost in the specification,
///   which no broker has; it is refused here with an error that says how to write what was meant.
///
/// Missing parts default to `guest`/`guest`, `localhost` and port 5672 (5671 for `amqps`).
/// `amqps` URLs take RabbitMQ's TLS query parameters (``AMQPTLSOptions``); any other query
/// parameter, and any parameter on an `amqp` URL, is refused rather than ignored.
///
/// ``description`` never shows the password, so a URL can be logged.
public struct AMQPURL: Hashable, Sendable, CustomStringConvertible {
    /// The user name sent with SASL PLAIN.
    public var user: String
    /// The password sent with SASL PLAIN.
    public var password: String
    /// Host name or IP address (an IPv6 address without its brackets).
    public var host: String
    /// TCP port.
    public var port: Int
    /// The virtual host, decoded (`/` for the default vhost).
    public var vhost: String
    /// How to set up TLS (`amqps`), or nil for a plain connection (`amqp`).
    public var tls: AMQPTLSOptions?

    /// The default port of AMQP 0-9-1 without TLS.
    public static let defaultPort = 5672
    /// The default port of AMQP 0-9-1 over TLS.
    public static let defaultTLSPort = 5671

    /// Builds a URL from its parts.
    public init(user: String = "guest", password: String = "guest", host: String = "localhost",
                port: Int? = nil, vhost: String = "/", tls: AMQPTLSOptions? = nil) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port ?? (tls == nil ? AMQPURL.defaultPort : AMQPURL.defaultTLSPort)
        self.vhost = vhost
        self.tls = tls
    }

    /// `amqps` with TLS, else `amqp`.
    public var scheme: String { tls == nil ? "amqp" : "amqps" }

    /// Parses `amqp://[user[:password]@]host[:port][/vhost]` and
    /// `amqps://[user[:password]@]host[:port][/vhost][?name=value&…]`.
    ///
    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidURL`` naming what is wrong
    ///   (scheme, port, a bad percent escape, an empty vhost, an unknown query parameter, ...).
    ///   The message never contains the password.
    public init(_ string: String) throws {
        func invalid(_ reason: String) -> AMQPError {
            AMQPError(.invalidURL, "invalid AMQP URL '\(AMQPURL.redacting(string))': \(reason)")
        }
        let schemeSeparator = "://"
        guard let schemeEnd = string.range(of: schemeSeparator) else {
            throw invalid("expected amqp://user:password@host:port/vhost")
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else {
            throw invalid("scheme must be amqp or amqps, not '\(scheme)'")
        }
        var rest = string[schemeEnd.upperBound...]
        if rest.contains("#") { throw invalid("fragments ('#') are not supported") }
        var tls: AMQPTLSOptions?
        if let questionMark = rest.firstIndex(of: "?") {
            let parameters = try AMQPURL.queryParameters(rest[rest.index(after: questionMark)...], invalid)
            rest = rest[..<questionMark]
            if scheme == "amqp", let first = parameters.first {
                throw invalid(AMQPTLSOptions.parameterNames.contains(first.name)
                              ? "'\(first.name)' is a TLS setting: use amqps://"
                              : "unknown query parameter '\(first.name)' (amqp:// URLs take none; amqps:// URLs take "
                                + AMQPTLSOptions.parameterNames.joined(separator: ", ") + ")")
            }
            tls = try AMQPTLSOptions(parameters: parameters, invalid)
        } else if scheme == "amqps" {
            tls = AMQPTLSOptions()
        }

        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var user = "guest"
        var password = "guest"
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try AMQPURL.percentDecoded(userInfo[..<colon], part: "user", invalid)
                password = try AMQPURL.percentDecoded(userInfo[userInfo.index(after: colon)...],
                                                      part: "password", invalid)
            } else {
                user = try AMQPURL.percentDecoded(userInfo, part: "user", invalid)
                password = ""
            }
        }

        var host = "localhost"
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed '[' in host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterHost = authority[authority.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw invalid("unexpected text after ']'") }
                portText = afterHost.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else if !authority.isEmpty {
            host = String(authority)
        }
        if host.isEmpty { host = "localhost" }

        var port = tls == nil ? AMQPURL.defaultPort : AMQPURL.defaultTLSPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("port must be a number from 1 to 65535, not '\(portText)'")
            }
            port = value
        }

        var vhost = "/"
        if let path {
            guard !path.isEmpty else {
                throw invalid("a trailing '/' names the empty vhost; omit it for the default vhost "
                              + "'/' or write it as %2f")
            }
            vhost = try AMQPURL.percentDecoded(path, part: "vhost", invalid)
        }
        self.init(user: user, password: password, host: host, port: port, vhost: vhost, tls: tls)
    }

    /// `amqp://user:***@host:port/vhost` (with the TLS parameters for `amqps`): the URL without its
    /// password.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let query = (tls?.parameters ?? []).map { "\($0.name)=\(AMQPURL.percentEncoded($0.value, keeping: "/:"))" }
        return "\(scheme)://\(AMQPURL.percentEncoded(user)):***@\(hostPart):\(port)/"
            + AMQPURL.percentEncoded(vhost) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// `name=value` pairs of a query, percent-decoded.
    private static func queryParameters(_ query: Substring,
                                        _ invalid: (String) -> AMQPError) throws -> [(name: String, value: String)] {
        try query.split(separator: "&").map { pair in
            guard let equals = pair.firstIndex(of: "=") else {
                throw invalid("query parameter '\(pair)' has no '=value'")
            }
            let name = String(pair[..<equals])
            return (name, try percentDecoded(pair[pair.index(after: equals)...], part: "\(name) parameter", invalid))
        }
    }

    /// Replaces the password of a URL string that may not parse, for error messages.
    private static func redacting(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://") else { return string }
        // The userinfo ends at the authority's last '@'; a path or query may hold '@' too.
        let authority = string[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return string }
        let userInfo = string[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return string }
        return String(string[..<colon]) + ":***" + String(string[at...])
    }

    private static func percentDecoded(_ text: Substring, part: String,
                                       _ invalid: (String) -> AMQPError) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw invalid("bad percent escape in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        // rabbitmq-c takes user, password and vhost as C strings: a NUL would silently cut them.
        guard !bytes.contains(0) else { throw invalid("the \(part) contains %00") }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw invalid("the \(part) is not UTF-8 once percent-decoded")
        }
        return decoded
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (and `keeping`), so `/` in a
    /// vhost survives.
    private static func percentEncoded(_ text: String, keeping: String = "") -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where keeping.utf8.contains(byte):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789abcdef".unicodeScalars)
                result += "%"
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0xf)])
            }
        }
        return result
    }
}
