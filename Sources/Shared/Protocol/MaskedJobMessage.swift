/// One masked-mode job as it travels to a pool: the producer-signed manifest and, for the data pool,
/// X̂ in the blob (`ResidueCoding`); a mask-pool job's blob is empty, its seed is in the manifest.
public struct MaskedJobMessage: Sendable, Equatable {
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: MaskedJobManifest
    /// X̂ for the data pool; nil for the mask pool.
    public let maskedInput: ResidueMatrix?

    /// Signs `manifest`. `maskedInput` must be given exactly for the data pool.
    public init(manifest: MaskedJobManifest, maskedInput: ResidueMatrix?, signedBy identity: SigningIdentity) throws {
        precondition((manifest.pool == .data) == (maskedInput != nil), "only a data-pool job carries X̂")
        manifestBytes = ManifestCoding.encode(manifest)
        signature = try identity.sign(manifestBytes)
        self.manifest = manifest
        self.maskedInput = maskedInput
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: MaskedJobManifest, maskedInput: ResidueMatrix?) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.maskedInput = maskedInput
    }

    /// SHA-256 of the signed manifest bytes (hex): names this exact dispatch in replies.
    public var manifestSHA256: String { Digest.sha256Hex(manifestBytes) }

    /// What the pool multiplies by W_q: X̂, or R expanded from the seed.
    public var poolInput: PoolInput {
        if let maskedInput { return .masked(maskedInput) }
        return .seed(manifest.seed!, rows: manifest.rows)  // `decode` and `init` guarantee the seed
    }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .maskedJob, manifest: manifestBytes, signature: signature, metadata: Array("{}".utf8)),
                          residueBlob: maskedInput.map { [$0] } ?? [])
    }

    /// Parses a masked job frame: structure, manifest, and X̂'s shape for the data pool. Not the
    /// signature (workers hold no keys; the verifier checks it on the result).
    public static func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> MaskedJobMessage {
        let (frame, blob) = try FrameCodec.decodeLeavingBlob(bytes, limits: limits)
        guard frame.kind == .maskedJob else { throw ManifestError.invalid("expected a masked job frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(MaskedJobManifest.self, from: frame.manifest, what: "masked job manifest")
        try manifest.validate()
        // A mask-pool job is small but names R's size: bound what it makes a worker expand and return.
        for (name, columns) in [("input", manifest.inputColumns), ("output", manifest.outputColumns)] {
            let (count, overflow) = manifest.rows.multipliedReportingOverflow(by: columns)
            guard !overflow, count <= limits.maxTensorElements else {
                throw FrameError.fieldTooLarge(field: "\(name) (\(manifest.rows)×\(columns))", size: overflow ? Int.max : count,
                                               limit: limits.maxTensorElements)
            }
        }
        let matrices = try ResidueCoding.decode(bytes, range: blob, maxElements: limits.maxTensorElements)
        switch manifest.pool {
        case .data:
            guard matrices.count == 1, let input = matrices.first else {
                throw ManifestError.invalid("a data-pool job carries 1 residue matrix, got \(matrices.count)")
            }
            guard input.rows == manifest.rows, input.columns == manifest.inputColumns else {
                throw ManifestError.invalid("X̂ is \(input.shapeDescription), manifest says \(manifest.rows)×\(manifest.inputColumns)")
            }
            return MaskedJobMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest, maskedInput: input)
        case .mask:
            guard matrices.isEmpty, manifest.seed != nil else {
                throw ManifestError.invalid("a mask-pool job carries no residue matrix and a valid mask_seed")
            }
            return MaskedJobMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest, maskedInput: nil)
        }
    }
}
