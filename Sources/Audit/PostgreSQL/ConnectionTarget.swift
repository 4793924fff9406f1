import Foundation
import CLibPQ

/// What a connection string points at, described without its password, plus the means to scrub that
/// password (and a key's `sslpassword`) from any message libpq produces.
///
/// Why: libpq echoes parts of a malformed URL in its errors (for instance a bad percent-encoded token in
/// the password), and our errors and logs must never carry a secret.
struct ConnectionTarget: Sendable {
    /// `user@host:port/database`, with libpq's defaults where the string leaves a part out, followed by
    /// ` (sslmode=verify-full)` when the string sets sslmode.
    let description: String
    /// The string's keywords as libpq parsed them, secrets included: for ``TLSHint`` only, never shown.
    let options: [String: String]
    private let secrets: [String]

    init(connectionString: String) {
        var secrets = ConnectionTarget.rawPasswordCandidates(in: connectionString)
        var options: [String: String] = [:]
        var errorMessage: UnsafeMutablePointer<CChar>?
        if let parsed = PQconninfoParse(connectionString, &errorMessage) {
            var option = parsed
            while let keyword = option.pointee.keyword {
                if let value = option.pointee.val {
                    options[String(cString: keyword)] = String(cString: value)
                }
                option += 1
            }
            PQconninfoFree(parsed)
        }
        if let errorMessage { PQfreemem(errorMessage) }
        for keyword in ["password", "sslpassword"] {
            if let secret = options[keyword], !secret.isEmpty { secrets.append(secret) }
        }
        self.secrets = secrets.filter { !$0.isEmpty }
        self.options = options

        let user = options["user"] ?? "(default user)"
        let host = options["host"] ?? options["hostaddr"] ?? "(default host)"
        let port = options["port"] ?? "5432"
        let database = options["dbname"] ?? user
        description = "\(user)@\(host):\(port)/\(database)" + (options["sslmode"].map { " (sslmode=\($0))" } ?? "")
    }

    /// `message` with every password candidate replaced by `*****`. A very short password would mangle
    /// unrelated words if replaced, so a message containing one is withheld altogether.
    func redact(_ message: String) -> String {
        var result = message
        for secret in secrets where result.contains(secret) {
            if secret.count < 4 {
                return "(libpq's message withheld: it may contain the password)"
            }
            result = result.replacingOccurrences(of: secret, with: "*****")
        }
        return result
    }

    /// The password as written in the string, before percent-decoding: in a URI, the text between the
    /// first `:` of the userinfo and its `@`; in keyword/value form, the value after `password=`.
    /// Found without libpq because libpq cannot parse the malformed strings whose errors echo it.
    private static func rawPasswordCandidates(in string: String) -> [String] {
        var candidates: [String] = []
        if let schemeEnd = string.range(of: "://") {
            let rest = string[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    candidates.append(String(userinfo[userinfo.index(after: colon)...]))
                }
            }
        }
        var search = string[...]
        while let range = search.range(of: "password") { // also finds sslpassword
            let afterKeyword = search[range.upperBound...].drop { $0 == " " }
            if afterKeyword.first == "=" {
                let value = afterKeyword.dropFirst().drop { $0 == " " }
                if value.first == "'" {
                    candidates.append(String(value.dropFirst().prefix { $0 != "'" }))
                } else {
                    candidates.append(String(value.prefix { $0 != " " && $0 != "&" }))
                }
            }
            search = search[range.upperBound...]
        }
        return candidates
    }
}
