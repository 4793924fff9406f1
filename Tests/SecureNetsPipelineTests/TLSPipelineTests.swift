import Foundation
import SecureNets
import SecureNetsAudit
import Testing

@Suite("End to end over TLS", .serialized)
struct TLSPipelineTests {
    /// The verifier, two workers and `securenets submit` all on amqps:// (the broker requires their client
    /// certificate), the verifier's audit database on sslmode=verify-full.
    @Test func everyRoleOverTLS() throws {
        let cluster = try PipelineCluster(name: "tls", workers: 2, tls: true)
        defer { cluster.shutdown() }
        #expect(cluster.environment["SECURENETS_WORKER_AMQP_URL"]?.hasPrefix("amqps://securenets-worker:") == true)
        #expect(cluster.environment["SECURENETS_DATABASE_URL"]?.contains("sslmode=verify-full") == true)

        let job = try cluster.submit(batchSize: 90)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: 90)) <= Reference.probabilityTolerance)
        let rows = try cluster.auditRows(job: job.id)
        #expect(rows.filter { $0.verdict == .passed }.count == 4, "one passed row per batch: \(rows.map(\.verdict))")

        // The broker's view: every connection to this vhost is TLS with our client certificate, and both
        // roles that stay connected are among them.
        let listed = try runCommand(RepositoryPaths.root.appendingPathComponent("infra/local/rabbitmq"),
                                    ["connections", cluster.vhost])
        let connections = listed.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(!connections.isEmpty, "no connections listed: \(listed.stderr)")
        #expect(connections.allSatisfy { $0.count == 4 && $0[2] == "true" && $0[3] == "CN=securenets-client" }, "\(listed.stdout)")
        #expect(Set(connections.map { String($0[1]) }).isSuperset(of: ["securenets-verifier", "securenets-worker"]),
                "\(listed.stdout)")

        // The database's view: the verifier's session is encrypted and presented our client certificate.
        let database = try PostgresConnection(url: cluster.databaseURL)
        defer { database.close() }
        let encrypted = try database.execute("""
            SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE s.ssl AND s.client_dn = '/CN=securenets-client' AND a.pid <> pg_backend_pid()
            """)
        #expect(Int(encrypted.first?[0] ?? "0") ?? 0 >= 1, "the verifier's database session is TLS")

        // Audit queries from the producer's side go over the TLS database URL too.
        let listing = try cluster.securenets(["audit", "list", "--job", job.id, "--format", "json"])
        #expect(listing.status == 0, "\(listing.stderr)")
    }
}
