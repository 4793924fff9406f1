import SecureNets

/// libFuzzer target: the frame decoder (`FrameCodec.decode`) and the message decoders behind it
/// (`JobMessage`, `ResultMessage`, `ReplyMessage`, `PublishedModel`, the masked job and result,
/// `ModelAssembler`) on arbitrary bytes.
///
/// A thrown error is a correct answer for any input; a trap, a sanitizer report, memory beyond
/// `-rss_limit_mb` or a run beyond `-timeout` is a finding. Beyond decoding, each message goes where
/// the services send it:
/// - a frame re-encodes to bytes that decode to the same frame;
/// - a job's layer range is computed as the worker computes it;
/// - a result is re-signed with a fuzzing key (its manifest naming that key and its input's digest)
///   and evaluated by `ResultEvaluation` against a model shaped to fit it, as the verifier does with
///   an authorized producer's job — so the shape checks and the randomized check see fuzzed tensors;
/// - a reply is re-signed the same way, since random bytes never carry a valid signature, so that
///   the reply manifest's parser and its digest check are reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    guard let frame = try? FrameCodec.decode(bytes) else { return 0 }
    let encoded = FrameCodec.encode(frame)
    precondition((try? FrameCodec.decode(encoded)).map(FrameCodec.encode) == encoded,
                 "a decoded frame does not re-encode to a frame that decodes the same")
    switch frame.kind {
    case .job:
        if let job = try? JobMessage.decode(bytes) {
            let layers = job.manifest.firstLayer..<(job.manifest.firstLayer + job.manifest.layerCount)
            precondition(layers.count == job.manifest.layerCount)
        }
    case .result:
        if let result = try? ResultMessage.decode(bytes) { evaluateAsVerifier(result, frame: frame) }
    case .reply:
        _ = try? ReplyMessage.decode(bytes, trusting: [FuzzKeys.signer.publicKey])
        var signed = frame
        signed.signature = try! FuzzKeys.signer.sign(frame.manifest)
        _ = try? ReplyMessage.decode(FrameCodec.encode(signed), trusting: [FuzzKeys.signer.publicKey])
    case .model:
        _ = try? PublishedModel.decode(bytes)
    case .maskedJob:
        if let job = try? MaskedJobMessage.decode(bytes), job.manifest.rows * job.manifest.inputColumns <= 1 << 20 {
            // What a worker would multiply: its operand always matches the layer width it names.
            if let operand = try? job.poolInput.operand(columns: job.manifest.inputColumns) {
                precondition(operand.rows == job.manifest.rows && operand.columns == job.manifest.inputColumns)
            }
        }
    case .maskedResult:
        if let result = try? MaskedResultMessage.decode(bytes), result.defect == nil {
            precondition(result.product != nil && (result.manifest.pool == .mask) == (result.maskedInput == nil))
        }
    case .modelChunk:
        if let chunk = try? ManifestCoding.decode(ModelChunkManifest.self, from: frame.manifest, what: "model chunk") {
            var assembler = ModelAssembler(digest: chunk.modelDigest, maxBytes: 1 << 20)
            _ = try? assembler.add(frame)
        }
    }
    return 0
}
