/// What a worker says about itself in its result: unsigned, so it decides nothing. It is recorded in
/// the audit row for diagnosis only, after `validate()`; the attempt a result answers is the signed
/// one in the manifest, never a number from here.
public struct WorkerMetadata: Sendable, Equatable, Codable {
    /// The worker's self-chosen name (`securenets-worker --id`).
    public var workerID: String
    /// Milliseconds the worker says it computed.
    public var computeMs: Double

    enum CodingKeys: String, CodingKey { case workerID = "worker_id", computeMs = "compute_ms" }

    public init(workerID: String, computeMs: Double) {
        self.workerID = workerID
        self.computeMs = computeMs
    }

    /// The longest `worker_id` accepted.
    public static let maxWorkerIDLength = 64
    /// The largest `compute_ms` accepted: a week, far beyond any segment.
    public static let maxComputeMs = 7 * 24 * 3_600_000.0

    /// Recorded in place of metadata that failed `validate()`.
    public static let unusable = WorkerMetadata(workerID: "invalid", computeMs: 0)

    /// The metadata in a result's metadata bytes, or `unusable` and why it could not be used: a
    /// result with bad metadata is still answered (as a failed attempt), never dropped.
    static func decodeLeniently(_ bytes: [UInt8]) -> (metadata: WorkerMetadata, problem: String?) {
        do {
            let claimed = try ManifestCoding.decode(WorkerMetadata.self, from: bytes, what: "result metadata")
            try claimed.validate()
            return (claimed, nil)
        } catch {
            return (.unusable, "\(error)")
        }
    }

    /// Throws `ManifestError.invalid` naming the field unless `worker_id` is 1–64 of `[A-Za-z0-9._-]` and
    /// `compute_ms` a finite number in 0…`maxComputeMs`.
    public func validate() throws {
        guard workerID.utf8.count <= WorkerMetadata.maxWorkerIDLength, JobManifest.isSafeName(workerID) else {
            throw ManifestError.invalid("worker_id must be 1-\(WorkerMetadata.maxWorkerIDLength) characters of A-Z a-z 0-9 . _ -")
        }
        guard computeMs.isFinite, computeMs >= 0, computeMs <= WorkerMetadata.maxComputeMs else {
            throw ManifestError.invalid("compute_ms \(computeMs) is not a finite number of milliseconds in 0...\(Int(WorkerMetadata.maxComputeMs))")
        }
    }
}
