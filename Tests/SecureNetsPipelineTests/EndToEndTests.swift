import Foundation
import SecureNets
import SecureNetsAudit
import Testing

@Suite("End to end: producer, three workers, verifier", .serialized)
struct EndToEndTests {
    @Test func threeWorkersProduceVerifiedOutputsAndOnePassedRowPerBatch() throws {
        let cluster = try PipelineCluster(name: "e2e", workers: 3)
        defer { cluster.shutdown() }
        let job = try cluster.submit(batchSize: 40)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")

        let outputs = try DataFile.readMatrix(at: job.outputs)
        let reference = try Reference.inProcessSecure(batchSize: 40)
        #expect(outputs.rows == 360 && outputs.columns == 10)
        #expect(Reference.maxDifference(outputs, reference) <= Reference.probabilityTolerance)
        #expect(try DataFile.readLabels(at: job.labels) == (try Reference.plaintext()).rowArgmax())

        let rows = try cluster.auditRows(job: job.id)
        let passed = rows.filter { $0.verdict == .passed }
        #expect(passed.count == 9, "one passed row per batch; got \(rows.map { "\($0.batch ?? -1):\($0.verdict)" })")
        #expect(Set(passed.compactMap(\.batch)) == Set(0..<9))
        #expect(rows.allSatisfy { $0.verdict == .passed && $0.verifierID == cluster.verifierID })
        #expect(passed.allSatisfy { ($0.maxResidualRatio ?? 2) <= 1 && $0.precisionMode == .exact && $0.rounds == 2 })
        // The work was spread: every row names one of this cluster's workers.
        #expect(Set(passed.compactMap(\.workerID)).isSubset(of: Set(cluster.workers.map(\.name))))

        // Audit queries in every format.
        let json = try cluster.securenets(["audit", "list", "--job", job.id, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(objects.count == 9)
        for key in ["job_id", "batch", "attempt", "worker_id", "verdict", "reason", "created_at"] {
            #expect(objects.allSatisfy { $0.keys.contains(key) }, "json rows lack \(key)")
        }
        #expect(objects.allSatisfy { $0["job_id"] as? String == job.id && $0["verdict"] as? String == "passed" })

        let csv = try cluster.securenets(["audit", "list", "--job", job.id, "--format", "csv"])
        let csvLines = csv.stdout.split(whereSeparator: \.isNewline)
        #expect(csvLines.count == 10, "header + 9 rows")
        #expect(csvLines.first?.contains("job_id") == true)

        let table = try cluster.securenets(["audit", "list", "--job", job.id, "--verdict", "passed"])
        #expect(table.status == 0 && table.stdout.contains(job.id.prefix(8)))

        let firstID = try #require(passed.first?.id)
        let shown = try cluster.securenets(["audit", "show", String(firstID)])
        #expect(shown.status == 0 && shown.stdout.contains(job.id))

        let stats = try cluster.securenets(["audit", "stats", "--format", "json"])
        #expect(stats.status == 0, "\(stats.stderr)")
    }
}
