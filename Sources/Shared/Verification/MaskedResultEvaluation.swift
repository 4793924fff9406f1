/// The verifier's decision about one masked-mode result, without any I/O (docs/PROTOCOL.md §14.6):
/// signature and input digest, form, the layer against the quantized model, then the exact check
/// Z ≡ X · W_q (mod p) with X = X̂ for the data pool and X = R expanded from the signed seed for the
/// mask pool. No tolerance: an honest product always passes.
public enum MaskedResultEvaluation {
    /// Checks who signed the manifest and, for the data pool, that X̂ is the one signed.
    public static func authenticate(_ result: MaskedResultMessage, authorizedProducers: [TrustedKey]) -> Result<TrustedKey, RejectionReason> {
        let key: TrustedKey
        switch ResultEvaluation.signer(of: result.manifestBytes, signature: result.signature,
                                       namedKey: result.manifest.producerKey, authorizedProducers: authorizedProducers) {
        case .success(let signer): key = signer
        case .failure(let rejection): return .failure(rejection)
        }
        if result.manifest.pool == .data, let input = result.maskedInput,
           ResidueCoding.digest(input) != result.manifest.inputSHA256 {
            return .failure(RejectionReason("X̂ does not match the signed input_sha256", cause: ReplyManifest.Cause.inputMismatch))
        }
        return .success(key)
    }

    /// The full decision for a result signed by `key` (as `authenticate` returned) against `model`.
    /// `outputDigest` is the product's digest when the caller already has it (the verifier hashes the
    /// product once, for the ledger and the reply: it is megabytes); nil computes it here.
    public static func evaluate(_ result: MaskedResultMessage, signedBy key: TrustedKey, model: QuantizedModel,
                                rounds: Int, outputDigest: String? = nil) -> ResultEvaluation {
        if let defect = result.defect {
            return .failure("\(defect)", cause: ReplyManifest.Cause.malformedResult, key: key, ratio: 0)
        }
        let m = result.manifest
        guard m.layerCount == model.layers.count, m.layer < model.layers.count else {
            return .rejection("layer \(m.layer) of \(m.layerCount) does not fit the \(model.layers.count)-layer model",
                              cause: ReplyManifest.Cause.modelMismatch, key: key)
        }
        let layer = model.layers[m.layer]
        guard layer.weights.rows == m.inputColumns, layer.weights.columns == m.outputColumns, layer.bitWidths == m.bitWidths else {
            return .rejection("layer \(m.layer) is \(layer.weights.shapeDescription) at \(layer.bitWidths); the manifest says \(m.inputColumns)×\(m.outputColumns) at \(m.bitWidths)",
                              cause: ReplyManifest.Cause.modelMismatch, key: key)
        }
        guard let product = result.product, product.rows == m.rows, product.columns == m.outputColumns else {
            return .failure("product is \(result.product?.shapeDescription ?? "missing"), expected \(m.rows)×\(m.outputColumns)",
                            cause: ReplyManifest.Cause.checkFailed, key: key)
        }
        let operand: ResidueMatrix
        switch m.pool {
        case .data:
            guard let input = result.maskedInput, input.rows == m.rows, input.columns == m.inputColumns else {
                return .failure("X̂ is \(result.maskedInput?.shapeDescription ?? "missing"), expected \(m.rows)×\(m.inputColumns)",
                                cause: ReplyManifest.Cause.malformedResult, key: key)
            }
            operand = input
        case .mask:
            // `validate` guarantees the seed's form; the size was bounded there too (rows, columns ≤ the model's).
            guard let seed = m.seed, let mask = try? PoolInput.seed(seed, rows: m.rows).operand(columns: m.inputColumns) else {
                return .rejection("the manifest's mask seed or size is unusable", cause: ReplyManifest.Cause.modelMismatch, key: key)
            }
            operand = mask
        }
        let check = ModPFreivaldsCheck(rounds: rounds).check(input: operand, weights: layer.weights, output: product)
        guard check.passed else {
            return .failure("\(m.pool) pool, layer \(m.layer): \(check.failure ?? "check failed")", cause: ReplyManifest.Cause.checkFailed,
                            key: key, ratio: 1)
        }
        return ResultEvaluation(verdict: .passed, reason: "", cause: nil, maxResidualRatio: 0, producerKey: key,
                                outputSHA256: outputDigest ?? ResidueCoding.digest(product))
    }
}
