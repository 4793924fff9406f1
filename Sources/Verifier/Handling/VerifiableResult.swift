import SecureNets

/// What `ResultHandler` needs of a decoded result, whichever protection produced it: a blinded-mode
/// `ResultMessage` or a masked-mode `MaskedResultMessage`. The handling — authenticate, decide
/// replays, fetch the model, evaluate, record, reply — is the same; only these answers differ.
protocol VerifiableResult {
    var jobID: String { get }
    var batch: Int { get }
    /// Blinded mode: the segment; masked mode: the layer.
    var segment: Int { get }
    var attempt: Int { get }
    var pool: MaskedPool? { get }
    var modelDigest: String { get }
    var modelPublishedAtMs: Int64 { get }
    var replyQueue: String { get }
    var manifestSHA256: String { get }
    var workerMetadata: WorkerMetadata { get }
    /// The audit row's fields as far as the result itself tells them (verdict and timings filled in later).
    func ledgerEntry(verifierID: String, rounds: Int) -> NewLedgerEntry
    /// Digest of what a passed reply forwards ("" when the result has nothing to forward).
    func outputDigest() -> String
    func authenticate(_ producers: [TrustedKey]) -> Result<TrustedKey, RejectionReason>
    /// The check, against the model the manifest names (of either kind: a mismatch is rejected).
    /// `outputDigest` is `outputDigest()`, already computed: the check does not hash the output again.
    func evaluate(signedBy key: TrustedKey, model: PublishedModel, rounds: Int, outputDigest: String) -> ResultEvaluation
    /// The payload of a passed reply: the blinded output, or the pool's product.
    var forwarded: (output: Matrix?, product: ResidueMatrix?) { get }
    var precision: Precision { get }
}

extension ResultMessage: VerifiableResult {
    var jobID: String { manifest.jobID }
    var batch: Int { manifest.batch }
    var segment: Int { manifest.segment }
    var attempt: Int { manifest.attempt }
    var pool: MaskedPool? { nil }
    var modelDigest: String { manifest.modelDigest }
    var modelPublishedAtMs: Int64 { manifest.modelPublishedAtMs }
    var replyQueue: String { manifest.replyQueue }
    var workerMetadata: WorkerMetadata { metadata }
    var precision: Precision { manifest.precision }
    var forwarded: (output: Matrix?, product: ResidueMatrix?) { (outputs.last, nil) }

    func ledgerEntry(verifierID: String, rounds: Int) -> NewLedgerEntry {
        var shapes = ["input": [input.rows, input.columns]]
        for (offset, output) in outputs.enumerated().prefix(JobManifest.maxLayers) {
            shapes["z\(manifest.firstLayer + offset + 1)"] = [output.rows, output.columns]
        }
        return NewLedgerEntry(
            jobID: manifest.jobID, batch: manifest.batch, segment: manifest.segment, attempt: manifest.attempt,
            workerID: metadata.workerID, verifierID: verifierID, producerKeyFingerprint: "",
            precision: manifest.precision.rawValue, modelDigest: manifest.modelDigest, inputDigest: manifest.inputSHA256,
            outputDigest: "", shapes: shapes, rounds: rounds, verdict: .rejected, reason: "", maxResidualRatio: 0,
            verifyMs: 0, workerComputeMs: metadata.computeMs)
    }

    func outputDigest() -> String { outputs.last.map(Digest.tensor) ?? "" }

    func authenticate(_ producers: [TrustedKey]) -> Result<TrustedKey, RejectionReason> {
        ResultEvaluation.authenticate(self, authorizedProducers: producers)
    }

    func evaluate(signedBy key: TrustedKey, model: PublishedModel, rounds: Int, outputDigest: String) -> ResultEvaluation {
        guard case .blinded(let blinded) = model else {
            return .rejection("blinded job names a masked model", cause: ReplyManifest.Cause.modelMismatch, key: key)
        }
        return ResultEvaluation.evaluate(self, signedBy: key, model: blinded, rounds: rounds,
                                         outputDigest: outputDigest.isEmpty ? nil : outputDigest)
    }
}

extension MaskedResultMessage: VerifiableResult {
    var jobID: String { manifest.jobID }
    var batch: Int { manifest.batch }
    var segment: Int { manifest.layer }
    var attempt: Int { manifest.attempt }
    var pool: MaskedPool? { manifest.pool }
    var modelDigest: String { manifest.modelDigest }
    var modelPublishedAtMs: Int64 { manifest.modelPublishedAtMs }
    var replyQueue: String { manifest.replyQueue }
    var workerMetadata: WorkerMetadata { metadata }
    /// Masked products are checked exactly (mod p): recorded as `exact`.
    var precision: Precision { .exact }
    var forwarded: (output: Matrix?, product: ResidueMatrix?) { (nil, product) }

    func ledgerEntry(verifierID: String, rounds: Int) -> NewLedgerEntry {
        var shapes: [String: [Int]] = [:]
        if let maskedInput { shapes["input"] = [maskedInput.rows, maskedInput.columns] }
        if let product { shapes["z\(manifest.layer + 1)"] = [product.rows, product.columns] }
        // The mask pool's input is R, named by its seed: the audit row records neither (a secret from
        // the data pool, which may read audit rows through an auditor), only the shape of the product.
        var entry = NewLedgerEntry(
            jobID: manifest.jobID, batch: manifest.batch, segment: manifest.layer, attempt: manifest.attempt,
            workerID: metadata.workerID, verifierID: verifierID, producerKeyFingerprint: "",
            precision: Precision.exact.rawValue, modelDigest: manifest.modelDigest, inputDigest: manifest.inputSHA256 ?? "",
            outputDigest: "", shapes: shapes, rounds: rounds, verdict: .rejected, reason: "", maxResidualRatio: 0,
            verifyMs: 0, workerComputeMs: metadata.computeMs)
        entry.privacyMode = .masked
        entry.pool = manifest.pool
        return entry
    }

    func outputDigest() -> String { product.map(ResidueCoding.digest) ?? "" }

    func authenticate(_ producers: [TrustedKey]) -> Result<TrustedKey, RejectionReason> {
        MaskedResultEvaluation.authenticate(self, authorizedProducers: producers)
    }

    func evaluate(signedBy key: TrustedKey, model: PublishedModel, rounds: Int, outputDigest: String) -> ResultEvaluation {
        guard case .masked(let quantized) = model else {
            return .rejection("masked job names a blinded model", cause: ReplyManifest.Cause.modelMismatch, key: key)
        }
        return MaskedResultEvaluation.evaluate(self, signedBy: key, model: quantized, rounds: rounds,
                                               outputDigest: outputDigest.isEmpty ? nil : outputDigest)
    }
}
