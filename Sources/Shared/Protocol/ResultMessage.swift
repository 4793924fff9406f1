/// A worker's result: the job's signed manifest copied unchanged, the worker's annotations, the
/// blinded input it used and every blinded pre-activation of the segment.
public struct ResultMessage: Sendable, Equatable {
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: JobManifest
    public let annotations: ResultAnnotations
    public let input: Matrix
    public let outputs: [Matrix]

    public init(job: JobMessage, outputs: [Matrix], workerID: String, computeMs: Double) {
        manifestBytes = job.manifestBytes
        signature = job.signature
        manifest = job.manifest
        annotations = ResultAnnotations(attempt: job.annotations.attempt, workerID: workerID, computeMs: computeMs)
        input = job.input
        self.outputs = outputs
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: JobManifest, annotations: ResultAnnotations,
         input: Matrix, outputs: [Matrix]) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.annotations = annotations
        self.input = input
        self.outputs = outputs
    }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .result, manifest: manifestBytes, signature: signature,
                                metadata: ManifestCoding.encode(annotations), tensors: [input] + outputs))
    }

    /// Parses a result frame; checks structure only. `ResultEvaluation` decides whether to trust it.
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> ResultMessage {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .result else { throw ManifestError.invalid("expected a result frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(JobManifest.self, from: frame.manifest, what: "job manifest")
        try manifest.validate()
        let annotations = try ManifestCoding.decode(ResultAnnotations.self, from: frame.metadata, what: "result metadata")
        guard annotations.attempt >= 1, JobManifest.isSafeName(annotations.workerID) else {
            throw ManifestError.invalid("result metadata has a bad attempt or worker_id")
        }
        guard frame.tensors.count == manifest.layerCount + 1 else {
            throw ManifestError.invalid("a result for \(manifest.layerCount) layers carries \(frame.tensors.count) tensors, expected \(manifest.layerCount + 1)")
        }
        return ResultMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest,
                             annotations: annotations, input: frame.tensors[0], outputs: Array(frame.tensors.dropFirst()))
    }
}
