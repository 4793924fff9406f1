import ArgumentParser

/// The ways a hostile worker misbehaves (docs/RELIABILITY.md, "Hostile workers").
enum HostileMode: String, CaseIterable, ExpressibleByArgument {
    /// Acks the job and publishes nothing.
    case drop
    /// Parks valid jobs in the dead-letter queue.
    case deadLetter = "dead-letter"
    /// Takes jobs and never acks them while it runs.
    case hold
    /// Computes honestly, but only after `--delay` seconds.
    case straggle
    /// Claims a late attempt in its metadata and returns a wrong result.
    case forgedAttempt = "forged-attempt"
    /// Computes honestly and sends metadata that is negative, NaN, huge or too long.
    case garbageMetadata = "garbage-metadata"
    /// Leaves the last tensor out of the result.
    case missingTensor = "missing-tensor"
    /// Changes one input value and computes on it.
    case alteredInput = "altered-input"
    /// Sends, for every job after its first, the result it computed for its first job again.
    case replay
    /// Answers every job with a result for a job it signed itself under the same job id and reply queue.
    case anotherJob = "another-job"
    /// Masked mode: returns its pool's product with one entry changed by one (mod p).
    case alteredProduct = "altered-product"
    /// Masked mode: returns the product of another layer's weights (a skipped layer), zero-padded.
    case wrongLayer = "wrong-layer"
    /// Behaves (for comparison runs).
    case honest

    /// The modes a masked-mode pool worker (`--pool`) can play.
    static let maskedModes: [HostileMode] = [.drop, .straggle, .alteredProduct, .wrongLayer, .replay, .honest]
}
