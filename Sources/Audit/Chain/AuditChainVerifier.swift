/// Re-derives every audit row's hash and link and reports the first row of each chain that does not match.
///
/// It walks each verifier's rows in id order, in pages, inside one read-only REPEATABLE READ transaction,
/// so the whole walk sees one snapshot while verifiers keep appending. It needs only SELECT
/// (`securenets_auditor` suffices). After a break it continues from the stored hash, so one altered row is
/// reported once rather than as the whole rest of the chain.
///
/// What it cannot show on its own: rows removed from the *end* of a chain, or a chain rewritten
/// consistently from some row on (the hash has no key). Compare ``ChainReport/Chain/headHash`` with a
/// value kept elsewhere for that.
public struct AuditChainVerifier {
    /// Rows fetched per round trip.
    public static let pageSize = 1000

    private let connection: PostgresConnection

    /// A verifier reading through `connection` (tables found via its `search_path`).
    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Walks every chain.
    ///
    /// - Returns: the chains and their breaks; ``ChainReport/isIntact`` tells whether all is well.
    /// - Throws: ``PostgresError`` if reading fails, or `PostgresError.Code.nestedTransaction` if a
    ///   transaction is already open on the connection (the walk needs its own snapshot).
    public func verify() throws -> ChainReport {
        try connection.transaction {
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var walk = ChainWalk()
            var cursor: (verifierID: String, id: Int64)?
            while true {
                let rows: [[String?]]
                if let cursor {
                    rows = try connection.execute("""
                        SELECT \(AuditRowCodec.selectColumns) FROM verification_audit
                        WHERE (verifier_id, id) > ($1, $2::bigint) ORDER BY verifier_id, id LIMIT $3::integer
                        """, parameters: [cursor.verifierID, String(cursor.id), String(Self.pageSize)])
                } else {
                    rows = try connection.execute("""
                        SELECT \(AuditRowCodec.selectColumns) FROM verification_audit
                        ORDER BY verifier_id, id LIMIT $1::integer
                        """, parameters: [String(Self.pageSize)])
                }
                for row in rows {
                    // id (0) and verifier_id (6) are NOT NULL; read them raw so an undecodable row still
                    // advances the cursor and is reported.
                    guard let idText = row[0], let id = Int64(idText), let verifierID = row[6] else { continue }
                    walk.visit(row: row, id: id, verifierID: verifierID)
                    cursor = (verifierID, id)
                }
                if rows.count < Self.pageSize { break }
            }
            return walk.report()
        }
    }
}

/// The chain being walked: where it started, how far it got, and the hash the next row must link to.
private struct OpenChain {
    let verifierID: String
    let firstID: Int64
    var lastID: Int64
    var count: Int
    var head: String
    var broken: Bool
}

/// The state of a walk over rows sorted by (verifier_id, id).
private struct ChainWalk {
    private var chains: [ChainReport.Chain] = []
    private var breaks: [ChainReport.Break] = []
    private var rowsChecked = 0
    private var current: OpenChain?

    mutating func visit(row: [String?], id: Int64, verifierID: String) {
        rowsChecked += 1
        if current?.verifierID != verifierID {
            closeChain()
            current = OpenChain(verifierID: verifierID, firstID: id, lastID: id, count: 0,
                                head: AuditRowHash.genesis, broken: false)
        }
        guard var chain = current else { return }
        let expectedPrevious = chain.head
        let previousRowID = chain.count == 0 ? nil : chain.lastID
        chain.count += 1
        chain.lastID = id

        do {
            let stored = try AuditRowCodec.decode(row)
            let storedPrevious = stored.record.previousHash ?? ""
            let storedHash = stored.record.rowHash ?? ""
            if storedPrevious != expectedPrevious {
                let expectation = previousRowID.map { "row_hash \(expectedPrevious) of the chain's previous row \($0)" }
                    ?? "the genesis hash (64 zeros) of a chain's first row"
                record(&chain, id, .previousHashMismatch,
                       "previous_hash \(storedPrevious) does not match \(expectation)")
            } else {
                let recomputed = AuditRowHash.rowHash(of: stored.record, id: id,
                                                      createdAtMicroseconds: stored.createdAtMicroseconds,
                                                      previousHash: storedPrevious)
                if recomputed != storedHash {
                    record(&chain, id, .rowHashMismatch,
                           "stored row_hash \(storedHash) does not match the row's contents (recomputed \(recomputed))")
                }
            }
            // Continue from what is stored, so later rows are judged against their actual predecessor.
            chain.head = storedHash
        } catch {
            record(&chain, id, .unreadableRow, "\(error)")
            chain.head = (row.count > 21 ? row[21] : nil) ?? ""
        }
        current = chain
    }

    func report() -> ChainReport {
        var walk = self
        walk.closeChain()
        return ChainReport(chains: walk.chains, breaks: walk.breaks.sorted { $0.rowID < $1.rowID },
                           rowsChecked: walk.rowsChecked)
    }

    private mutating func record(_ chain: inout OpenChain,
                                 _ id: Int64, _ kind: ChainReport.Break.Kind, _ explanation: String) {
        guard !chain.broken else { return }
        chain.broken = true
        breaks.append(ChainReport.Break(rowID: id, verifierID: chain.verifierID, kind: kind, explanation: explanation))
    }

    private mutating func closeChain() {
        if let chain = current {
            chains.append(ChainReport.Chain(verifierID: chain.verifierID, rowCount: chain.count,
                                            firstRowID: chain.firstID, lastRowID: chain.lastID, headHash: chain.head))
        }
        current = nil
    }
}
