import SecureNetsAudit
import Testing

@Suite("Audit hash chain")
struct AuditChainVerifierTests {
    /// Three rows for each of two verifiers, interleaved.
    private func populate(_ schema: TestSchema) throws -> [AuditRecord] {
        let store = try schema.store()
        var rows: [AuditRecord] = []
        for batch in 0..<3 {
            rows.append(try store.insert(AuditRecordFixtures.checked(job: "job-chain", batch: batch, verifier: "verifier-1")))
            rows.append(try store.insert(AuditRecordFixtures.rejected(verifier: "verifier-2")))
        }
        return rows
    }

    @Test("an untouched log verifies: one chain per verifier, linked from genesis")
    func intact() throws {
        let schema = try TestSchema()
        let rows = try populate(schema)
        let report = try AuditChainVerifier(connection: schema.owner).verify()
        #expect(report.isIntact)
        #expect(report.rowsChecked == 6)
        #expect(report.chains.map(\.verifierID) == ["verifier-1", "verifier-2"])
        #expect(report.chains.map(\.rowCount) == [3, 3])
        #expect(report.chains[0].headHash == rows[4].rowHash)
        #expect(report.chains[1].firstRowID == rows[1].id)
        #expect(rows[2].previousHash == rows[0].rowHash)
    }

    @Test("a row altered by a superuser with triggers off is reported by id")
    func alteredRow() throws {
        let schema = try TestSchema()
        let rows = try populate(schema)
        let target = try #require(rows[2].id)
        try schema.tamper("UPDATE verification_audit SET max_residual_ratio = 0.01 WHERE id = $1::bigint",
                          parameters: [String(target)])

        let report = try AuditChainVerifier(connection: schema.owner).verify()
        #expect(!report.isIntact)
        #expect(report.breaks.count == 1)
        let broken = try #require(report.firstBreak)
        #expect(broken.rowID == target)
        #expect(broken.verifierID == "verifier-1")
        #expect(broken.kind == .rowHashMismatch)
        #expect(broken.description.contains("row \(target)"))
    }

    @Test("a row deleted from the middle is reported at the row after it")
    func deletedRow() throws {
        let schema = try TestSchema()
        let rows = try populate(schema)
        try schema.tamper("DELETE FROM verification_audit WHERE id = $1::bigint", parameters: [String(rows[3].id!)])

        let broken = try #require(try AuditChainVerifier(connection: schema.owner).verify().firstBreak)
        #expect(broken.rowID == rows[5].id)
        #expect(broken.verifierID == "verifier-2")
        #expect(broken.kind == .previousHashMismatch)
    }

    @Test("a rewritten hash is caught at the next row")
    func rewrittenHash() throws {
        let schema = try TestSchema()
        let rows = try populate(schema)
        // Alter row 0 and give it a matching hash: row 0 then checks out, but row 2 links to the old hash.
        var forged = rows[0]
        forged.reason = "forged"
        let forgedHash = try #require(AuditRowHash.rowHash(of: forged))
        try schema.tamper("UPDATE verification_audit SET reason = 'forged', row_hash = $2 WHERE id = $1::bigint",
                          parameters: [String(rows[0].id!), forgedHash])

        let broken = try #require(try AuditChainVerifier(connection: schema.owner).verify().firstBreak)
        #expect(broken.rowID == rows[2].id)
        #expect(broken.kind == .previousHashMismatch)
    }
}
