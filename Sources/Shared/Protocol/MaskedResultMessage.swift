/// A pool's result for one masked job: the job's signed manifest copied unchanged, the worker's
/// metadata, and in the blob the data pool's X̂ then Z_A, or the mask pool's Z_B alone.
///
/// As `ResultMessage`, decoding is strict about what ties the result to a job and lenient about what
/// the worker controls: bad metadata, a blob that does not decode or the wrong number of matrices is
/// a `defect`, answered as a failed attempt instead of dead-lettered.
public struct MaskedResultMessage: Sendable, Equatable {
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: MaskedJobManifest
    public let metadata: WorkerMetadata
    /// The data pool's X̂ as it came back; nil for the mask pool (and for a defective blob).
    public let maskedInput: ResidueMatrix?
    /// Z (B × N residues); nil for a defective blob.
    public let product: ResidueMatrix?
    public let defect: Defect?

    public enum Defect: Sendable, Equatable, CustomStringConvertible {
        case metadata(String)
        case blob(String)

        public var description: String {
            switch self {
            case .metadata(let detail): "invalid worker metadata: \(detail)"
            case .blob(let detail): "result blob: \(detail)"
            }
        }
    }

    public init(job: MaskedJobMessage, product: ResidueMatrix, workerID: String, computeMs: Double) {
        self.init(manifestBytes: job.manifestBytes, signature: job.signature, manifest: job.manifest,
                  metadata: WorkerMetadata(workerID: workerID, computeMs: computeMs), maskedInput: job.maskedInput,
                  product: product, defect: nil)
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: MaskedJobManifest, metadata: WorkerMetadata,
         maskedInput: ResidueMatrix?, product: ResidueMatrix?, defect: Defect?) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.metadata = metadata
        self.maskedInput = maskedInput
        self.product = product
        self.defect = defect
    }

    public var manifestSHA256: String { Digest.sha256Hex(manifestBytes) }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .maskedResult, manifest: manifestBytes, signature: signature,
                                metadata: ManifestCoding.encode(metadata)),
                          residueBlob: [maskedInput, product].compactMap { $0 })
    }

    /// Parses a masked result frame. Throws only when the bytes cannot be tied to a masked job manifest.
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> MaskedResultMessage {
        let (frame, blob) = try FrameCodec.decodeLeavingBlob(bytes, limits: limits)
        guard frame.kind == .maskedResult else { throw ManifestError.invalid("expected a masked result frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(MaskedJobManifest.self, from: frame.manifest, what: "masked job manifest")
        try manifest.validate()
        let (metadata, problem) = WorkerMetadata.decodeLeniently(frame.metadata)
        var defect = problem.map(Defect.metadata)
        var maskedInput: ResidueMatrix?, product: ResidueMatrix?
        do {
            let matrices = try ResidueCoding.decode(bytes, range: blob, maxElements: limits.maxTensorElements)
            let expected = manifest.pool == .data ? 2 : 1
            if matrices.count == expected {
                maskedInput = manifest.pool == .data ? matrices[0] : nil
                product = matrices[expected - 1]
            } else if defect == nil {
                defect = .blob("\(matrices.count) residue matrices, expected \(expected) (\(manifest.pool == .data ? "X̂ and Z_A" : "Z_B"))")
            }
        } catch {
            if defect == nil { defect = .blob("\(error)") }
        }
        return MaskedResultMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest,
                                   metadata: metadata, maskedInput: maskedInput, product: product, defect: defect)
    }
}
