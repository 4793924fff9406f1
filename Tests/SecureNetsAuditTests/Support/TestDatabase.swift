import Foundation
import SecureNetsAudit

/// Where the test server is and how to reach it as each role.
///
/// The tests need the real server that `infra/local/postgres start` runs; when it is down they fail with
/// a message saying so (they never skip). Environment:
/// - `SECURENETS_DATABASE_URL`: the owner role (default `postgresql://securenets:securenets@127.0.0.1:5432/securenets`);
///   the verifier and auditor URLs reuse its host, port and database.
/// - `SECURENETS_DATABASE_SUPERUSER_URL`: a superuser, for tampering with rows; default: `postgres` over
///   the unix socket of the local server (`${SECURENETS_VAR_DIR:-<repo>/var}/postgres/socket`), which
///   admits root and postgres by peer authentication.
enum TestDatabase {
    enum Role: String {
        case owner = "securenets"
        case verifier = "securenets_verifier"
        case auditor = "securenets_auditor"
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let migrationsDirectory = repositoryRoot.appendingPathComponent("migrations", isDirectory: true)

    private static let environment = ProcessInfo.processInfo.environment

    static let ownerURL = environment["SECURENETS_DATABASE_URL"]
        ?? "postgresql://securenets:securenets@127.0.0.1:5432/securenets"

    static func url(for role: Role) -> String {
        guard role != .owner, var components = URLComponents(string: ownerURL) else { return ownerURL }
        components.user = role.rawValue
        components.password = role.rawValue   // local convention: password = role name
        return components.string ?? ownerURL
    }

    static var superuserURL: String {
        if let url = environment["SECURENETS_DATABASE_SUPERUSER_URL"] { return url }
        let varDirectory = environment["SECURENETS_VAR_DIR"] ?? repositoryRoot.appendingPathComponent("var").path
        let port = URLComponents(string: ownerURL)?.port ?? 5432
        return "postgresql://postgres@/securenets?host=\(varDirectory)/postgres/socket&port=\(port)"
    }

    /// Connects, turning "server not there" into a failure that says how to start it.
    static func connect(_ url: String, searchPath schema: String? = nil) throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(url: url)
        } catch let error as PostgresError where error.code == .connectionFailed {
            throw TestSetupError(
                "PostgreSQL is not reachable (\(error)). Start it with `infra/local/postgres start` "
                + "(SECURENETS_VAR_DIR=/work/securenets-var in the shared dev setup), or point "
                + "SECURENETS_DATABASE_URL / SECURENETS_DATABASE_SUPERUSER_URL at a running server.")
        }
        if let schema {
            try connection.execute("SELECT set_config('search_path', $1, false)", parameters: [quoted(schema)])
        }
        return connection
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A test precondition that does not hold, with the reason in words.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
