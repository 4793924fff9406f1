/// The verifier's signed reply to the producer: verdict, and when it passed the segment's last blinded
/// pre-activation (blinded mode) or the pool's product Z (masked mode, in the blob).
public struct ReplyMessage: Sendable, Equatable {
    public let manifestBytes: [UInt8]
    public let signature: [UInt8]
    public let manifest: ReplyManifest
    public let output: Matrix?
    public let product: ResidueMatrix?

    public init(manifest: ReplyManifest, output: Matrix?, product: ResidueMatrix? = nil, signedBy identity: SigningIdentity) throws {
        manifestBytes = ManifestCoding.encode(manifest)
        signature = try identity.sign(manifestBytes)
        self.manifest = manifest
        self.output = output
        self.product = product
    }

    init(manifestBytes: [UInt8], signature: [UInt8], manifest: ReplyManifest, output: Matrix?, product: ResidueMatrix?) {
        self.manifestBytes = manifestBytes
        self.signature = signature
        self.manifest = manifest
        self.output = output
        self.product = product
    }

    public func encode() -> [UInt8] {
        FrameCodec.encode(Frame(kind: .reply, manifest: manifestBytes, signature: signature, tensors: output.map { [$0] } ?? []),
                          residueBlob: product.map { [$0] } ?? [])
    }

    /// Parses a reply and accepts it only under one of `verifierKeys`, with an output that matches its
    /// digest. A well-formed reply signed by another key throws `UntrustedReply`, which names the key
    /// (so the user can be told what to trust) and must not be acted on. `hashing` runs the output's
    /// digest (by default it just calls it), so that a caller that accounts for its CPU time can tell
    /// hashing apart.
    public static func decode(_ bytes: [UInt8], trusting verifierKeys: [TrustedKey], limits: FrameLimits = .default,
                              hashing: (() -> String) -> String = { $0() }) throws -> ReplyMessage {
        let (frame, blob) = try FrameCodec.decodeLeavingBlob(bytes, limits: limits)
        guard frame.kind == .reply else { throw ManifestError.invalid("expected a reply frame, got \(frame.kind)") }
        let manifest = try ManifestCoding.decode(ReplyManifest.self, from: frame.manifest, what: "reply manifest")
        guard manifest.protocolVersion == JobManifest.currentProtocol else {
            throw ManifestError.invalid("reply protocol \(manifest.protocolVersion) is not supported")
        }
        guard verifierKeys.contains(where: { $0.isValidSignature(frame.signature, for: frame.manifest) }) else {
            throw UntrustedReply(manifest: manifest)
        }
        if manifest.pool != nil {
            let products = try ResidueCoding.decode(bytes, range: blob, maxElements: limits.maxTensorElements)
            if manifest.verdict == .passed {
                guard frame.tensors.isEmpty, products.count == 1, let expected = manifest.outputSHA256,
                      hashing({ ResidueCoding.digest(products[0]) }) == expected else {
                    throw ManifestError.invalid("a passed masked reply must carry one product matching output_sha256")
                }
            }
            return ReplyMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest, output: nil,
                                product: products.first)
        }
        let output = frame.tensors.first
        if manifest.verdict == .passed {
            guard frame.tensors.count == 1, let output, let expected = manifest.outputSHA256,
                  hashing({ Digest.tensor(output) }) == expected else {
                throw ManifestError.invalid("a passed reply must carry one output matching output_sha256")
            }
        }
        return ReplyMessage(manifestBytes: frame.manifest, signature: frame.signature, manifest: manifest, output: output,
                            product: nil)
    }
}

/// A well-formed reply not signed by any trusted verifier key. Its content is unauthenticated: use it
/// only to tell the user which verifier key answered (`manifest.verifierKey`), never to act on the job.
public struct UntrustedReply: Error, CustomStringConvertible {
    public let manifest: ReplyManifest
    public var description: String {
        "reply is not signed by a trusted verifier key (it names verifier '\(manifest.verifierID)', key \(manifest.verifierKey.prefix(16)))"
    }
}
