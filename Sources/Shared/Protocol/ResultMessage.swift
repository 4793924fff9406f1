/// A worker's result: the job's signed manifest copied unchanged, the worker's metadata, the blinded
/// input it used and every blinded pre-activation of the segment.
///
/// Decoding is strict about what ties a result to a job (the frame and the signed manifest) and lenient
/// about what a worker controls: a result with bad metadata or a missing tensor still decodes, with
/// `defect` saying what is wrong, so that the verifier can answer the producer about that attempt
/// instead of dead-lettering it.
public struct ResultMessage: Sendable, Equatable {
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: JobManifest
    /// The worker's metadata when valid, `WorkerMetadata.unusable` otherwise.
    public let metadata: WorkerMetadata
    public let input: Matrix
    public let outputs: [Matrix]
    /// What the worker got wrong in the result's form, if anything: invalid metadata
    /// (`.metadata`) or a tensor count that does not match the manifest (`.tensorCount`).
    public let defect: Defect?

    public enum Defect: Sendable, Equatable, CustomStringConvertible {
        case metadata(String)
        case tensorCount(found: Int, expected: Int)

        public var description: String {
            switch self {
            case .metadata(let detail): "invalid worker metadata: \(detail)"
            case .tensorCount(let found, let expected):
                "result carries \(found) tensor(s), expected \(expected) (the input and one per layer)"
            }
        }
    }

    public init(job: JobMessage, outputs: [Matrix], workerID: String, computeMs: Double) {
        manifestBytes = job.manifestBytes
        signature = job.signature
        manifest = job.manifest
        metadata = WorkerMetadata(workerID: workerID, computeMs: computeMs)
        input = job.input
        self.outputs = outputs
        defect = nil
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: JobManifest, metadata: WorkerMetadata,
         input: Matrix, outputs: [Matrix], defect: Defect?) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.metadata = metadata
        self.input = input
        self.outputs = outputs
        self.defect = defect
    }

    /// SHA-256 of the signed manifest bytes (hex), as `JobMessage.manifestSHA256`.
    public var manifestSHA256: String { Digest.sha256Hex(manifestBytes) }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .result, manifest: manifestBytes, signature: signature,
                                metadata: ManifestCoding.encode(metadata), tensors: [input] + outputs))
    }

    /// Parses a result frame. Throws only when the bytes cannot be tied to a job manifest (not a
    /// result frame, a malformed or invalid manifest, no input tensor); see `defect` for the rest.
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> ResultMessage {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .result else { throw ManifestError.invalid("expected a result frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(JobManifest.self, from: frame.manifest, what: "job manifest")
        try manifest.validate()
        guard let input = frame.tensors.first else { throw ManifestError.invalid("a result carries no input tensor") }
        let (metadata, problem) = WorkerMetadata.decodeLeniently(frame.metadata)
        var defect = problem.map(Defect.metadata)
        if defect == nil, frame.tensors.count != manifest.layerCount + 1 {
            defect = .tensorCount(found: frame.tensors.count, expected: manifest.layerCount + 1)
        }
        return ResultMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest,
                             metadata: metadata, input: input, outputs: Array(frame.tensors.dropFirst()), defect: defect)
    }
}
