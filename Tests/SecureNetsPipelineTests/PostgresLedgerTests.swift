import Foundation
import Testing
import SecureNets
@testable import SecureNetsVerifier

/// `PostgresLedger.earlierEntries` answers in one query what `passedEntry` and `entry` answer in two
/// (the verifier asks it for every result): the same rows for passed, failed and rejected attempts, in
/// blinded mode and for each masked pool, on the real database.
@Suite struct PostgresLedgerTests {
    @Test func oneQueryFindsWhatTheTwoFind() throws {
        let ledger = try PostgresLedger(url: PipelineCluster.databaseURL)
        let job = "ledger-\(UUID().uuidString.prefix(8).lowercased())"
        func row(batch: Int, attempt: Int, verdict: ResultEvaluation.Verdict, pool: MaskedPool? = nil) -> NewLedgerEntry {
            var entry = NewLedgerEntry(
                jobID: job, batch: batch, segment: 0, attempt: attempt, workerID: "w", verifierID: "verifier-\(job)",
                producerKeyFingerprint: String(repeating: "a", count: 64), precision: "exact",
                modelDigest: String(repeating: "b", count: 64), inputDigest: String(repeating: "c", count: 64),
                outputDigest: verdict == .rejected ? "" : String(repeating: "\(attempt)", count: 64), shapes: ["input": [1, 1]],
                rounds: 2, verdict: verdict, reason: verdict == .passed ? "" : "test", maxResidualRatio: 0, verifyMs: 1,
                workerComputeMs: 1)
            if let pool {
                entry.privacyMode = .masked
                entry.pool = pool
            }
            return entry
        }
        // Batch 0: attempt 1 failed, 2 passed, a rejected replay. Batch 1: attempt 1 failed only.
        // Batch 2: the data pool passed at attempt 1, the mask pool failed at 1 and passed at 2.
        for entry in [row(batch: 0, attempt: 1, verdict: .failed), row(batch: 0, attempt: 2, verdict: .passed),
                      row(batch: 0, attempt: 2, verdict: .rejected), row(batch: 1, attempt: 1, verdict: .failed),
                      row(batch: 2, attempt: 1, verdict: .passed, pool: .data), row(batch: 2, attempt: 1, verdict: .failed, pool: .mask),
                      row(batch: 2, attempt: 2, verdict: .passed, pool: .mask)] {
            _ = try ledger.record(entry)
        }
        var found = 0
        for batch in 0...3 {
            for attempt in 1...3 {
                for pool in [nil, MaskedPool.data, .mask] {
                    let together = try ledger.earlierEntries(jobID: job, batch: batch, segment: 0, attempt: attempt, pool: pool)
                    let passed = try ledger.passedEntry(jobID: job, batch: batch, segment: 0, pool: pool)
                    let same = try ledger.entry(jobID: job, batch: batch, segment: 0, attempt: attempt, pool: pool)
                    #expect(together.passed == passed && together.sameAttempt == same, "batch \(batch) attempt \(attempt) pool \(String(describing: pool))")
                    found += (passed == nil ? 0 : 1) + (same == nil ? 0 : 1)
                }
            }
        }
        #expect(found == 15, "the cases cover the rows that exist")
    }
}
