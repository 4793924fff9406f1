/// What a frame carries; the byte after the version in every frame (docs/PROTOCOL.md).
public enum FrameKind: UInt8, Sendable, Codable {
    case job = 1
    case result = 2
    case reply = 3
    case model = 4
    case modelChunk = 5
    /// Masked mode (protocol 3): a job for one pool, and a pool's result (docs/PROTOCOL.md §14).
    case maskedJob = 6
    case maskedResult = 7
}

/// One SecureNets message: a versioned binary envelope around a JSON manifest, an optional Ed25519
/// signature of the manifest's exact bytes, unsigned JSON metadata, float32 tensors and a byte blob.
/// Layout and limits: docs/PROTOCOL.md, `FrameCodec`.
public struct Frame: Sendable, Equatable {
    public static let magic: [UInt8] = Array("SNET".utf8)
    public static let currentVersion: UInt8 = 1

    public var kind: FrameKind
    /// UTF-8 JSON object; signed bytes, so it is kept verbatim, never re-encoded.
    public var manifest: [UInt8]
    /// Empty, or a 64-byte Ed25519 signature of `manifest`.
    public var signature: [UInt8]
    /// UTF-8 JSON object or empty: data a relay adds without invalidating the signature.
    public var metadata: [UInt8]
    public var tensors: [Matrix]
    /// Opaque bytes (model chunks); empty for other kinds.
    public var blob: [UInt8]

    public init(kind: FrameKind, manifest: [UInt8], signature: [UInt8] = [], metadata: [UInt8] = [],
                tensors: [Matrix] = [], blob: [UInt8] = []) {
        self.kind = kind
        self.manifest = manifest
        self.signature = signature
        self.metadata = metadata
        self.tensors = tensors
        self.blob = blob
    }
}
