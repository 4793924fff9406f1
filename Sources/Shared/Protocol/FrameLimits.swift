/// Upper bounds checked before anything read from the wire is allocated.
public struct FrameLimits: Sendable, Equatable {
    public var maxFrameBytes: Int
    public var maxManifestBytes: Int
    public var maxMetadataBytes: Int
    public var maxTensors: Int
    public var maxTensorElements: Int
    public var maxBlobBytes: Int

    public init(maxFrameBytes: Int = 1 << 30, maxManifestBytes: Int = 1 << 20, maxMetadataBytes: Int = 64 << 10,
                maxTensors: Int = 1024, maxTensorElements: Int = 1 << 28, maxBlobBytes: Int = 128 << 20) {
        self.maxFrameBytes = maxFrameBytes
        self.maxManifestBytes = maxManifestBytes
        self.maxMetadataBytes = maxMetadataBytes
        self.maxTensors = maxTensors
        self.maxTensorElements = maxTensorElements
        self.maxBlobBytes = maxBlobBytes
    }

    public static let `default` = FrameLimits()
}
