import Foundation
import SecureNetsAudit
import Testing

/// `securenets audit verify` finds a row altered behind the database's back, as its superuser.
@Suite("Tamper-evident audit log", .serialized)
struct AuditTamperTests {
    @Test func verifyNamesTheFirstAlteredRow() throws {
        let cluster = try PipelineCluster(name: "tamper", workers: 1)
        defer { cluster.shutdown() }
        let job = try cluster.submit(batchSize: 90)
        #expect(job.status == 0, "\(job.stderr)")
        let rows = try cluster.auditRows(job: job.id)
        #expect(rows.count == 4)
        let before = try cluster.securenets(["audit", "verify"])
        #expect(!before.stdout.contains("verifier \(cluster.verifierID))"), "the fresh chain is intact: \(before.stdout)")

        // The superuser rewrites history with the append-only trigger switched off.
        let victim = try #require(rows[1].id)
        let superuser = try runCommand(RepositoryPaths.root.appendingPathComponent("infra/local/postgres"), ["url", "--superuser"])
        let connection = try PostgresConnection(url: superuser.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        defer { connection.close() }
        try connection.executeScript("""
            SET session_replication_role = replica;
            UPDATE verification_audit SET verdict = 'passed', reason = NULL, max_residual_ratio = 0.1 WHERE id = \(victim);
            SET session_replication_role = origin;
            """)

        let after = try cluster.securenets(["audit", "verify"])
        #expect(after.status != 0, "a broken chain fails the command")
        #expect(after.stdout.contains("BROKEN row \(victim) (verifier \(cluster.verifierID))"), "\(after.stdout)")
    }
}
