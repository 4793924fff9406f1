import SecureNetsAudit
import Testing

@Suite("Append-only table and roles")
struct PrivilegeTests {
    private static let changes = [
        "UPDATE verification_audit SET reason = 'rewritten'",
        "DELETE FROM verification_audit",
        "TRUNCATE verification_audit",
    ]

    @Test("the owner cannot update, delete or truncate audit rows", arguments: changes)
    func ownerRefused(statement: String) throws {
        let schema = try TestSchema()
        try schema.store().insert(AuditRecordFixtures.checked())
        let error = try #require(throws: PostgresError.self) { try schema.owner.execute(statement) }
        #expect(error.sqlState == PostgresError.SQLState.insufficientPrivilege)
        #expect(try schema.owner.execute("SELECT count(*), min(reason) FROM verification_audit") == [["1", nil]])
    }

    @Test("even a superuser is stopped by the append-only trigger", arguments: changes)
    func superuserRefusedByTrigger(statement: String) throws {
        let schema = try TestSchema()
        try schema.store().insert(AuditRecordFixtures.checked())
        let superuser = try schema.connectAsSuperuser()
        let error = try #require(throws: PostgresError.self) { try superuser.execute(statement) }
        #expect(error.sqlState == PostgresError.SQLState.insufficientPrivilege)
        #expect(error.message.contains("append-only"))
    }

    @Test("the verifier role inserts and reads but cannot change rows")
    func verifierRole() throws {
        let schema = try TestSchema()
        let store = try schema.store(as: .verifier)
        let stored = try store.insert(AuditRecordFixtures.checked())
        #expect(try store.show(id: try #require(stored.id)) == stored)
        for statement in Self.changes {
            let error = try #require(throws: PostgresError.self) { try store.connection.execute(statement) }
            #expect(error.sqlState == PostgresError.SQLState.insufficientPrivilege, "\(statement)")
        }
    }

    @Test("the auditor role can only read")
    func auditorRole() throws {
        let schema = try TestSchema()
        let stored = try schema.store(as: .verifier).insert(AuditRecordFixtures.checked())
        let auditor = try schema.store(as: .auditor)
        #expect(try auditor.list().map(\.id) == [stored.id])
        #expect(try auditor.stats().count == 1)
        #expect(try AuditChainVerifier(connection: auditor.connection).verify().isIntact)

        let insertError = try #require(throws: PostgresError.self) {
            try auditor.insert(AuditRecordFixtures.checked(job: "job-auditor"))
        }
        #expect(insertError.sqlState == PostgresError.SQLState.insufficientPrivilege)
        for statement in Self.changes {
            let error = try #require(throws: PostgresError.self) { try auditor.connection.execute(statement) }
            #expect(error.sqlState == PostgresError.SQLState.insufficientPrivilege, "\(statement)")
        }
    }
}
