import SecureNetsAudit

/// Audit records with realistic values, varied by the arguments that matter to a test.
enum AuditRecordFixtures {
    static func checked(job: String = "job-1", batch: Int = 0, segment: Int = 0, attempt: Int = 0,
                        worker: String = "worker-a", verifier: String = "verifier-1",
                        verdict: AuditVerdict = .passed, reason: String? = nil,
                        verifyMilliseconds: Double? = 12.5) -> AuditRecord {
        AuditRecord(
            jobID: job, batch: batch, segment: segment, attempt: attempt, workerID: worker,
            verifierID: verifier, producerKeyFingerprint: "SHA256:producer-key-fingerprint",
            precisionMode: .exact, modelDigest: String(repeating: "ab", count: 32),
            inputDigest: String(repeating: "cd", count: 32), outputDigest: String(repeating: "ef", count: 32),
            shapes: ["input": [256, 785], "z1": [256, 513], "z2": [256, 11]], rounds: 2, verdict: verdict,
            reason: reason ?? (verdict == .passed ? nil : "layer 2: residual 3.1 times its bound"),
            maxResidualRatio: verdict == .passed ? 0.0625 : 3.1, verifyMilliseconds: verifyMilliseconds,
            workerComputeMilliseconds: 140.25)
    }

    static func rejected(job: String? = "job-1", worker: String? = "worker-a", verifier: String = "verifier-1",
                         reason: String = "manifest signature does not verify") -> AuditRecord {
        AuditRecord(jobID: job, workerID: worker, verifierID: verifier, verdict: .rejected, reason: reason)
    }
}
