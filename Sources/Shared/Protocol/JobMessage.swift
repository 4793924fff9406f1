/// A job as it travels to workers: the producer-signed manifest, the attempt, and the blinded input.
public struct JobMessage: Sendable, Equatable {
    /// The manifest's exact signed bytes.
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: JobManifest
    public var annotations: JobAnnotations
    public let input: Matrix

    /// Signs `manifest` with the producer's identity.
    public init(manifest: JobManifest, attempt: Int, input: Matrix, signedBy identity: SigningIdentity) throws {
        manifestBytes = ManifestCoding.encode(manifest)
        signature = try identity.sign(manifestBytes)
        self.manifest = manifest
        annotations = JobAnnotations(attempt: attempt)
        self.input = input
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: JobManifest, annotations: JobAnnotations, input: Matrix) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.annotations = annotations
        self.input = input
    }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .job, manifest: manifestBytes, signature: signature,
                                metadata: ManifestCoding.encode(annotations), tensors: [input]))
    }

    /// Parses a job frame. Checks structure and shapes, not the signature (workers hold no keys; the
    /// verifier checks it on the result).
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> JobMessage {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .job else { throw ManifestError.invalid("expected a job frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(JobManifest.self, from: frame.manifest, what: "job manifest")
        try manifest.validate()
        let annotations = try ManifestCoding.decode(JobAnnotations.self, from: frame.metadata, what: "job metadata")
        guard frame.tensors.count == 1 else { throw ManifestError.invalid("a job carries 1 tensor, got \(frame.tensors.count)") }
        let input = frame.tensors[0]
        guard input.rows == manifest.rows, input.columns == manifest.inputColumns else {
            throw ManifestError.invalid("input is \(input.shapeDescription), manifest says \(manifest.rows)×\(manifest.inputColumns)")
        }
        return JobMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest,
                          annotations: annotations, input: input)
    }
}

extension JobMessage {
    /// The same signed job again, as attempt `attempt`: how the verifier retries a failed batch
    /// without holding the producer's key.
    public init(resending result: ResultMessage, attempt: Int) {
        self.init(manifestBytes: result.manifestBytes, signature: result.signature, manifest: result.manifest,
                  annotations: JobAnnotations(attempt: attempt), input: result.input)
    }
}
