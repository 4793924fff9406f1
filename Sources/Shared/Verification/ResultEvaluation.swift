/// The verifier's decision about one result, without any I/O: signature, digests, shapes, then the
/// randomized check of every layer (DESIGN §4, §5).
///
/// - `rejected`: the message cannot be tied to a genuine job (unsigned or forged manifest, altered
///   input, wrong model): it is recorded and dropped, never retried.
/// - `failed`: a genuine job whose result is wrong (a tensor missing, invalid worker metadata, bad
///   shapes, NaN/Inf, a check that does not hold): recorded and answered; the producer dispatches the
///   batch again as a new attempt.
/// - `passed`: every layer's product holds; the segment's last output may be released.
public struct ResultEvaluation: Sendable {
    public enum Verdict: String, Sendable, Equatable { case passed, failed, rejected }

    public let verdict: Verdict
    public let reason: String
    /// `ReplyManifest.Cause` of a verdict other than passed.
    public let cause: String?
    public let maxResidualRatio: Double
    /// The producer key that signed the manifest, when it verified.
    public let producerKey: TrustedKey?
    /// Digest of the segment's last output (the reply's tensor), when the shapes were valid.
    public let outputSHA256: String?

    /// A rejection before any model is needed.
    public static func rejection(_ reason: String, cause: String, key: TrustedKey? = nil) -> ResultEvaluation {
        ResultEvaluation(verdict: .rejected, reason: reason, cause: cause, maxResidualRatio: 0, producerKey: key, outputSHA256: nil)
    }

    static func failure(_ reason: String, cause: String, key: TrustedKey, ratio: Double = .infinity) -> ResultEvaluation {
        ResultEvaluation(verdict: .failed, reason: reason, cause: cause, maxResidualRatio: ratio, producerKey: key, outputSHA256: nil)
    }

    /// Checks who signed the manifest and that the input is the one signed: what can be decided before
    /// fetching the model. Returns the signing key, or the rejection.
    public static func authenticate(_ result: ResultMessage, authorizedProducers: [TrustedKey]) -> Result<TrustedKey, RejectionReason> {
        let key: TrustedKey
        switch signer(of: result.manifestBytes, signature: result.signature, namedKey: result.manifest.producerKey,
                      authorizedProducers: authorizedProducers) {
        case .success(let signer): key = signer
        case .failure(let rejection): return .failure(rejection)
        }
        guard Digest.tensor(result.input) == result.manifest.inputSHA256 else {
            return .failure(RejectionReason("input does not match the signed input_sha256", cause: ReplyManifest.Cause.inputMismatch))
        }
        return .success(key)
    }

    /// The authorized key whose signature of `manifestBytes` verifies and which the manifest names
    /// (`namedKey`), or why there is none: the manifest check every kind of result shares.
    static func signer(of manifestBytes: [UInt8], signature: [UInt8], namedKey: String,
                       authorizedProducers: [TrustedKey]) -> Result<TrustedKey, RejectionReason> {
        guard let key = authorizedProducers.first(where: { $0.isValidSignature(signature, for: manifestBytes) }) else {
            if !authorizedProducers.contains(where: { $0.fingerprint == namedKey }) {
                return .failure(RejectionReason("manifest is not signed by an authorized producer key (it names key \(namedKey.prefix(16)), which this verifier does not accept)",
                                                cause: ReplyManifest.Cause.unauthorizedProducer))
            }
            return .failure(RejectionReason("manifest is not signed by an authorized producer key (bad signature for key \(namedKey.prefix(16)))",
                                            cause: ReplyManifest.Cause.badSignature))
        }
        guard namedKey == key.fingerprint else {
            return .failure(RejectionReason("manifest names producer key \(namedKey.prefix(16)) but is signed by \(key.fingerprint.prefix(16))",
                                            cause: ReplyManifest.Cause.badSignature))
        }
        return .success(key)
    }

    public static func evaluate(_ result: ResultMessage, authorizedProducers: [TrustedKey],
                                model: BlindedModel, rounds: Int) -> ResultEvaluation {
        switch authenticate(result, authorizedProducers: authorizedProducers) {
        case .success(let signer): return evaluate(result, signedBy: signer, model: model, rounds: rounds)
        case .failure(let rejection): return ResultEvaluation.rejection(rejection.reason, cause: rejection.cause)
        }
    }

    /// The decision for a result already authenticated as signed by `key` (`authenticate`): the
    /// signature and the input digest are not checked again. `outputDigest` is the last output's
    /// digest when the caller already has it (the verifier hashes it once, for the ledger and the
    /// reply); nil computes it here.
    public static func evaluate(_ result: ResultMessage, signedBy key: TrustedKey, model: BlindedModel,
                                rounds: Int, outputDigest: String? = nil) -> ResultEvaluation {
        func reject(_ reason: String, key: TrustedKey? = nil) -> ResultEvaluation {
            rejection(reason, cause: ReplyManifest.Cause.modelMismatch, key: key)
        }
        if let defect = result.defect {
            return failure("\(defect)", cause: ReplyManifest.Cause.malformedResult, key: key, ratio: 0)
        }
        let manifest = result.manifest
        let layers = manifest.firstLayer..<(manifest.firstLayer + manifest.layerCount)
        guard layers.upperBound <= model.layers.count else {
            return reject("layers \(layers) are outside the \(model.layers.count)-layer model", key: key)
        }
        guard result.input.columns == model.inputWidth(ofLayer: layers.lowerBound) else {
            return reject("input has \(result.input.columns) columns, layer \(layers.lowerBound) expects \(model.inputWidth(ofLayer: layers.lowerBound))", key: key)
        }
        for (offset, output) in result.outputs.enumerated() {
            let expectedColumns = model.layers[layers.lowerBound + offset].weights.columns
            guard output.rows == manifest.rows, output.columns == expectedColumns else {
                return failure("layer \(layers.lowerBound + offset) output is \(output.shapeDescription), expected \(manifest.rows)×\(expectedColumns)",
                               cause: ReplyManifest.Cause.checkFailed, key: key)
            }
        }
        let outputDigest = outputDigest ?? result.outputs.last.map(Digest.tensor)
        let check = SegmentVerifier(rounds: rounds).verify(input: result.input, layers: model.layers[layers],
                                                          outputs: result.outputs, precision: manifest.precision)
        return ResultEvaluation(verdict: check.passed ? .passed : .failed, reason: check.failure ?? "",
                                cause: check.passed ? nil : ReplyManifest.Cause.checkFailed, maxResidualRatio: check.maxResidualRatio, producerKey: key, outputSHA256: outputDigest)
    }
}

/// Why a message was rejected, as recorded in the audit log.
public struct RejectionReason: Error, Sendable, Equatable {
    public let reason: String
    /// One of `ReplyManifest.Cause`'s values.
    public let cause: String
    public init(_ reason: String, cause: String) {
        self.reason = reason
        self.cause = cause
    }
}
