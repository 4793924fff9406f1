/// A job as it travels to workers: the producer-signed manifest (which names the attempt) and the
/// blinded input. The frame's metadata is an empty JSON object: nothing about a job is unsigned.
public struct JobMessage: Sendable, Equatable {
    /// The manifest's exact signed bytes.
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: JobManifest
    public let input: Matrix

    /// Signs `manifest` with the producer's identity.
    public init(manifest: JobManifest, input: Matrix, signedBy identity: SigningIdentity) throws {
        manifestBytes = ManifestCoding.encode(manifest)
        signature = try identity.sign(manifestBytes)
        self.manifest = manifest
        self.input = input
    }

    /// Signs `manifest` as attempt `attempt`.
    public init(manifest: JobManifest, attempt: Int, input: Matrix, signedBy identity: SigningIdentity) throws {
        var manifest = manifest
        manifest.attempt = attempt
        try self.init(manifest: manifest, input: input, signedBy: identity)
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: JobManifest, input: Matrix) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.input = input
    }

    /// SHA-256 of the signed manifest bytes (hex): names this exact dispatch in replies.
    public var manifestSHA256: String { Digest.sha256Hex(manifestBytes) }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .job, manifest: manifestBytes, signature: signature,
                                metadata: Array("{}".utf8), tensors: [input]))
    }

    /// Parses a job frame. Checks structure and shapes, not the signature (workers hold no keys; the
    /// verifier checks it on the result). Metadata, if any, is ignored.
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> JobMessage {
        let frame = try FrameCodec.decode(bytes, limits: limits)
        guard frame.kind == .job else { throw ManifestError.invalid("expected a job frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(JobManifest.self, from: frame.manifest, what: "job manifest")
        try manifest.validate()
        guard frame.tensors.count == 1 else { throw ManifestError.invalid("a job carries 1 tensor, got \(frame.tensors.count)") }
        let input = frame.tensors[0]
        guard input.rows == manifest.rows, input.columns == manifest.inputColumns else {
            throw ManifestError.invalid("input is \(input.shapeDescription), manifest says \(manifest.rows)×\(manifest.inputColumns)")
        }
        return JobMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest, input: input)
    }
}
