import Foundation

/// The TLS listeners of the local broker and database, as `infra/local/up` prints them
/// (SECURENETS_AMQPS_URL, SECURENETS_DATABASE_TLS_URL), or as `infra/local/rabbitmq url --tls` and
/// `infra/local/postgres url --tls` give them for this environment.
enum TLSEndpoints {
    /// `amqps://user:password@host:port/vhost?cacertfile=…&certfile=…&keyfile=…` of the administrative user.
    static let amqps: String = environmentOrScript("SECURENETS_AMQPS_URL", "infra/local/rabbitmq")
    /// `postgresql://…?sslmode=verify-full&sslrootcert=…&sslcert=…&sslkey=…` of the owner role.
    static let database: String = environmentOrScript("SECURENETS_DATABASE_TLS_URL", "infra/local/postgres")

    /// `amqps` for `user` (password = user name, the local convention) on `vhost`, with the local TLS settings.
    static func amqps(user: String, password: String, vhost: String) -> String {
        guard let schemeEnd = amqps.range(of: "://"), let at = amqps.lastIndex(of: "@"),
              let slash = amqps[at...].firstIndex(of: "/") else { return amqps }
        let hostAndPort = amqps[amqps.index(after: at)..<slash]
        let query = amqps.firstIndex(of: "?").map { String(amqps[$0...]) } ?? ""
        return String(amqps[..<schemeEnd.upperBound]) + "\(user):\(password)@\(hostAndPort)/\(vhost)\(query)"
    }

    private static func environmentOrScript(_ variable: String, _ script: String) -> String {
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        let printed = try? runCommand(RepositoryPaths.root.appendingPathComponent(script), ["url", "--tls"])
        return printed?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}
