import Foundation
import SecureNetsAudit

/// A private, freshly created schema for one test, dropped when the test releases it, so tests are
/// independent of each other and of earlier runs (they may run in parallel and be re-run at will).
final class TestSchema {
    let name: String
    /// The owner's connection, with `search_path` set to the schema.
    let owner: PostgresConnection

    /// Creates the schema; with `migrated`, also applies the repository's migrations to it.
    init(migrated: Bool = true) throws {
        name = "audit_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let owner = try TestDatabase.connect(TestDatabase.ownerURL)
        try owner.execute("CREATE SCHEMA \(TestDatabase.quoted(name))")
        try owner.execute("SELECT set_config('search_path', $1, false)", parameters: [TestDatabase.quoted(name)])
        self.owner = owner
        if migrated {
            try MigrationRunner(directory: TestDatabase.migrationsDirectory).run(on: owner)
        }
    }

    deinit {
        _ = try? owner.execute("DROP SCHEMA \(TestDatabase.quoted(name)) CASCADE")
        owner.close()
    }

    /// A new connection as `role`, looking at this schema.
    func connect(as role: TestDatabase.Role) throws -> PostgresConnection {
        try TestDatabase.connect(TestDatabase.url(for: role), searchPath: name)
    }

    /// A superuser connection looking at this schema, for changing history behind the store's back.
    func connectAsSuperuser() throws -> PostgresConnection {
        try TestDatabase.connect(TestDatabase.superuserURL, searchPath: name)
    }

    /// Runs `sql` as a superuser with triggers off (`session_replication_role = replica`): the way an
    /// attacker with full database access would change history past the append-only trigger.
    func tamper(_ sql: String, parameters: [String?] = []) throws {
        let superuser = try connectAsSuperuser()
        try superuser.execute("SET session_replication_role = replica")
        try superuser.execute(sql, parameters: parameters)
    }

    /// An audit store over a new connection as `role`.
    func store(as role: TestDatabase.Role = .verifier) throws -> AuditStore {
        AuditStore(connection: try connect(as: role))
    }
}
