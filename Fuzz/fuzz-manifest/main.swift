import SecureNets

/// libFuzzer target: manifest JSON (`ManifestCoding.decode`) and `JobManifest.validate()`.
///
/// A `ManifestError` is a correct answer for any input; a trap, a sanitizer report, memory beyond
/// `-rss_limit_mb` or a run beyond `-timeout` is a finding. For a manifest that validates, the target
/// also does what every consumer does with it — the worker and the verifier take the model layers
/// `first_layer ..< first_layer + layer_count` and expect `layer_count + 1` tensors in a result — and
/// checks that it survives a round trip through the encoder unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if let manifest = try? ManifestCoding.decode(JobManifest.self, from: bytes, what: "job manifest"),
       (try? manifest.validate()) != nil {
        let layers = manifest.firstLayer..<(manifest.firstLayer + manifest.layerCount)
        let resultTensors = manifest.layerCount + 1
        precondition(layers.count + 1 == resultTensors)
        let again = try? ManifestCoding.decode(JobManifest.self, from: ManifestCoding.encode(manifest), what: "re-encoded")
        precondition(again == manifest, "a valid job manifest does not survive encode → decode")
    }
    // The other manifests and metadata blocks share the decoder; none may trap either.
    if let metadata = try? ManifestCoding.decode(WorkerMetadata.self, from: bytes, what: "result metadata") {
        _ = try? metadata.validate()
    }
    _ = try? ManifestCoding.decode(ReplyManifest.self, from: bytes, what: "reply manifest")
    _ = try? ManifestCoding.decode(ModelChunkManifest.self, from: bytes, what: "model chunk")
    return 0
}
