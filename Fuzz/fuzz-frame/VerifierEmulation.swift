import Crypto
import SecureNets

/// The fixed key that "authorizes" fuzzed manifests. Fuzzing only: its private half is public here.
enum FuzzKeys {
    static let signer = SigningIdentity(
        privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32)))
}

/// Runs the verifier's decision on `result` as if an authorized producer had signed it.
func evaluateAsVerifier(_ result: ResultMessage, frame: Frame) {
    var manifest = result.manifest
    manifest.producerKey = FuzzKeys.signer.publicKey.fingerprint
    manifest.inputSHA256 = Digest.tensor(result.input)
    var signed = frame
    signed.manifest = ManifestCoding.encode(manifest)
    signed.signature = try! FuzzKeys.signer.sign(signed.manifest)
    guard let genuine = try? ResultMessage.decode(FrameCodec.encode(signed)) else {
        preconditionFailure("a result that decoded no longer decodes once re-signed")
    }
    guard let model = modelFitting(genuine) else { return }
    let evaluation = ResultEvaluation.evaluate(genuine, authorizedProducers: [FuzzKeys.signer.publicKey],
                                               model: model, rounds: 1)
    precondition(evaluation.verdict != .rejected || evaluation.producerKey != nil,
                 "a correctly signed result was refused as unsigned: \(evaluation.reason)")
    if evaluation.verdict == .passed {
        precondition(genuine.outputs.allSatisfy(\.isFinite) && evaluation.maxResidualRatio <= 1,
                     "a result passed with non-finite outputs or a residual over its bound")
    }
}

/// A model whose layers `first_layer ..< first_layer + layer_count` take the result's input and
/// produce its outputs' widths (fixed small weights), or nil when that would be large.
func modelFitting(_ result: ResultMessage) -> BlindedModel? {
    let first = result.manifest.firstLayer
    var widths = [result.input.columns] + result.outputs.map(\.columns)
    guard first <= 4, widths.allSatisfy({ $0 >= 2 }) else { return nil }
    widths = [Int](repeating: result.input.columns, count: first) + widths
    let sizes = zip(widths, widths.dropFirst()).map { $0 * $1 }
    guard sizes.reduce(0, +) <= 1 << 16 else { return nil }
    let layers = zip(widths, widths.dropFirst()).enumerated().map { index, shape in
        BlindedLayer(weights: Matrix(rows: shape.0, columns: shape.1,
                                     elements: (0..<(shape.0 * shape.1)).map { Float($0 % 7 - 3) * 0.5 }),
                     activation: index % 2 == 0 ? .relu : .leakyRelu(alpha: 0.25))
    }
    return try? BlindedModel(layers: layers)
}
