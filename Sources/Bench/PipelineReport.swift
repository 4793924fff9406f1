import Foundation
import SecureNets

/// One plaintext baseline: `securenets infer` wall time over the same rows (median of the repeats).
struct PlaintextResult: Encodable {
    /// OpenBLAS threads; 0 is OpenBLAS's default (every core).
    let threads: Int
    let seconds: Double
    let rowsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case threads, seconds
        case rowsPerSecond = "rows_per_second"
    }
}

/// One pipeline configuration's job and where its time went.
struct PipelineResult: Encodable {
    let privacy: PrivacyMode
    /// Worker processes (in masked mode: of both pools together).
    let workers: Int
    let threads: Int
    let rows: Int
    let batch: Int
    let batches: Int
    /// Audit rows of a fully verified job: one per batch (blinded), one per batch, layer and pool (masked).
    let expectedRows: Int
    let jobID: String
    let wallSeconds: Double
    let rowsPerSecond: Double
    let ratioToPlaintext: Double
    /// CPU time of the `submit` process: import, model blinding, blind, sign, publish, check, unblind.
    let producerCPUSeconds: Double
    /// Sum of `worker_compute_ms` over the job's audit rows.
    let workerComputeSeconds: Double
    /// Sum of `verify_ms` over the job's audit rows.
    let verifySeconds: Double
    /// CPU time of the worker processes during the job (compute, model fetch, (de)serialisation, AMQP).
    let workerCPUSeconds: Double
    /// CPU time of the verifier process during the job (checks, digests, signatures, database, AMQP).
    let verifierCPUSeconds: Double
    let auditRows: Int
    let passed: Int

    /// Wall time not explained by the producer's CPU, the workers' compute (spread over the workers; in
    /// masked mode the two pools compute at the same time) or the verifier's checks: broker, database,
    /// queueing, idle waits. Negative where those overlapped.
    var otherSeconds: Double {
        wallSeconds - producerCPUSeconds - workerComputeSeconds / Double(workers) - verifySeconds
    }

    enum CodingKeys: String, CodingKey {
        case privacy, workers, threads, rows, batch, batches, passed
        case expectedRows = "expected_rows"
        case jobID = "job_id"
        case wallSeconds = "wall_seconds"
        case rowsPerSecond = "rows_per_second"
        case ratioToPlaintext = "ratio_to_plaintext"
        case producerCPUSeconds = "producer_cpu_seconds"
        case workerComputeSeconds = "worker_compute_seconds_sum"
        case verifySeconds = "verify_seconds_sum"
        case workerCPUSeconds = "worker_cpu_seconds"
        case verifierCPUSeconds = "verifier_cpu_seconds"
        case otherSeconds = "other_seconds"
        case auditRows = "audit_rows"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(privacy.rawValue, forKey: .privacy)
        try container.encode(workers, forKey: .workers)
        try container.encode(threads, forKey: .threads)
        try container.encode(rows, forKey: .rows)
        try container.encode(batch, forKey: .batch)
        try container.encode(batches, forKey: .batches)
        try container.encode(expectedRows, forKey: .expectedRows)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(wallSeconds, forKey: .wallSeconds)
        try container.encode(rowsPerSecond, forKey: .rowsPerSecond)
        try container.encode(ratioToPlaintext, forKey: .ratioToPlaintext)
        try container.encode(producerCPUSeconds, forKey: .producerCPUSeconds)
        try container.encode(workerComputeSeconds, forKey: .workerComputeSeconds)
        try container.encode(verifySeconds, forKey: .verifySeconds)
        try container.encode(workerCPUSeconds, forKey: .workerCPUSeconds)
        try container.encode(verifierCPUSeconds, forKey: .verifierCPUSeconds)
        try container.encode(otherSeconds, forKey: .otherSeconds)
        try container.encode(auditRows, forKey: .auditRows)
        try container.encode(passed, forKey: .passed)
    }
}

/// The pipeline benchmark's tables and JSON.
struct PipelineReport: Encodable {
    /// Throughput of one worker with one thread over plaintext `securenets infer` on every core.
    static let target = 0.25

    let machine: String
    let shape: String
    let rows: Int
    let requestedBatch: Int
    let batch: Int
    let batchNote: String?
    let resultBytesPerBatch: Int
    let maxMessageBytes: Int
    let plaintext: [PlaintextResult]
    let pipeline: [PipelineResult]

    enum CodingKeys: String, CodingKey {
        case machine, shape, rows, batch, plaintext, pipeline, target
        case requestedBatch = "requested_batch"
        case batchNote = "batch_note"
        case resultBytesPerBatch = "result_bytes_per_batch"
        case maxMessageBytes = "max_message_bytes"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(machine, forKey: .machine)
        try container.encode(shape, forKey: .shape)
        try container.encode(rows, forKey: .rows)
        try container.encode(requestedBatch, forKey: .requestedBatch)
        try container.encode(batch, forKey: .batch)
        try container.encode(batchNote, forKey: .batchNote)
        try container.encode(resultBytesPerBatch, forKey: .resultBytesPerBatch)
        try container.encode(maxMessageBytes, forKey: .maxMessageBytes)
        try container.encode(plaintext, forKey: .plaintext)
        try container.encode(pipeline, forKey: .pipeline)
        try container.encode(TargetVerdict(limit: Self.target, met: targetMet), forKey: .target)
    }

    /// Judged on the first blinded one-worker, one-thread configuration, against the all-cores baseline.
    var judged: PipelineResult? { pipeline.first { $0.privacy == .blinded && $0.workers == 1 && $0.threads == 1 } }
    var targetMet: Bool? { judged.map { $0.ratioToPlaintext >= Self.target } }

    var text: String {
        var lines = ["\(machine)",
                     "\(shape), \(rows) rows, batch \(batch) (\(resultBytesPerBatch) B per blinded result, broker limit \(maxMessageBytes) B), blinded precision exact"]
        if let batchNote { lines.append("NOTE: \(batchNote)") }
        lines.append("")
        var table = [["configuration", "wall s", "rows/s", "× plaintext", "producer CPU s", "worker compute Σ s",
                      "verify Σ s", "other s", "worker CPU s", "verifier CPU s", "verified"]]
        for result in plaintext {
            let name = "plaintext infer, " + (result.threads == 0 ? "default threads" : "\(result.threads) thread")
            table.append([name, f(result.seconds, 2), f(result.rowsPerSecond, 0),
                          f(result.rowsPerSecond / plaintext[0].rowsPerSecond, 3),
                          "", "", "", "", "", "", ""])
        }
        for result in pipeline {
            var ratio = f(result.ratioToPlaintext, 3)
            if result.privacy == .blinded && result.workers == 1 && result.threads == 1 {
                ratio += result.ratioToPlaintext >= Self.target ? " ✓" : " ✗"
            }
            let name = result.privacy == .masked
                ? "submit masked, \(result.workers / 2) worker(s) per pool × \(result.threads) thread(s)"
                : "submit blinded, \(result.workers) worker(s) × \(result.threads) thread(s)"
            table.append([name, f(result.wallSeconds, 2),
                          f(result.rowsPerSecond, 0), ratio, f(result.producerCPUSeconds, 2),
                          f(result.workerComputeSeconds, 2), f(result.verifySeconds, 2), f(result.otherSeconds, 2),
                          f(result.workerCPUSeconds, 2), f(result.verifierCPUSeconds, 2),
                          "\(result.passed)/\(result.expectedRows)"])
        }
        lines.append(MarkdownTable.render(table))
        lines.append("")
        lines.append("× plaintext: rows/s over plaintext `securenets infer` with default (all-core) BLAS threads.")
        lines.append("other = wall − producer CPU − worker compute Σ / workers − verify Σ: broker, database, queueing, idle (negative: overlap).")
        lines.append("verified: passed audit rows / rows of a fully verified job (blinded: one per batch; masked: one per batch, layer and pool).")
        if let judged {
            lines.append("Target: one worker (1 thread) ≥ \(Self.target)× plaintext — "
                         + (judged.ratioToPlaintext >= Self.target ? "met" : "NOT met")
                         + " (\(f(judged.ratioToPlaintext, 3))×).")
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    private func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
