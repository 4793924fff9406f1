/// How layers are grouped into segments: runs of layers a worker computes without a round trip.
public enum ChainingMode: String, Sendable, Codable, CaseIterable {
    /// Chain through positively homogeneous activations (ReLU, LeakyReLU, identity); split only at
    /// sigmoid/tanh. Our faster extension; leaks the zero pattern after ReLU to the worker.
    case chained
    /// Every layer is its own segment: the SecureNets protocol proper. The user applies every
    /// activation, at a round trip per layer. This does not hide the activation pattern: the next
    /// segment's input keeps the zeros, and the inputs leak alike (docs/SECURITY.md, measured).
    case perLayer = "per-layer"
}

/// The segments of a network: consecutive half-open ranges of layer indices covering all layers.
///
/// A segment ends after the last layer and after every layer whose activation is not positively
/// homogeneous (and, per layer, after every layer). The worker applies the activations inside a
/// segment; the user applies the one at its end.
public struct SegmentPlan: Sendable, Equatable, Codable {
    public let segments: [Range<Int>]

    public init(layerActivations: [Activation], mode: ChainingMode) {
        var segments: [Range<Int>] = []
        var start = 0
        for (index, activation) in layerActivations.enumerated() {
            let isLast = index == layerActivations.count - 1
            if isLast || mode == .perLayer || !activation.isPositivelyHomogeneous {
                segments.append(start..<(index + 1))
                start = index + 1
            }
        }
        self.segments = segments
    }

    public init(network: Network, mode: ChainingMode) {
        self.init(layerActivations: network.layers.map(\.activation), mode: mode)
    }

    /// True when boundary `b` (0 = input, L = output) is a segment edge: no worker ever applies an
    /// activation to values blinded with the key of that boundary, so its key may carry random signs.
    public func isEdge(boundary b: Int) -> Bool {
        b == 0 || segments.contains { $0.upperBound == b }
    }
}
