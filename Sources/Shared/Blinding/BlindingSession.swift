/// The producer's secret state for one key epoch: the network, its segments, the boundary keys and the
/// blinded model they produce. Used the same way in-process and over the broker.
///
/// Never serialize this into anything a worker, broker or verifier receives: it holds the keys.
public struct BlindingSession: Sendable {
    public let network: Network
    public let plan: SegmentPlan
    public let keys: ModelKeys
    public let blindedModel: BlindedModel
    public let keyGenerator: KeyGenerator

    public init(network: Network, mode: ChainingMode, keyGenerator: KeyGenerator = KeyGenerator()) {
        let plan = SegmentPlan(network: network, mode: mode)
        let keys = ModelKeys.generate(for: network, plan: plan, generator: keyGenerator)
        self.init(network: network, plan: plan, keys: keys, keyGenerator: keyGenerator)
    }

    /// Restores a session from saved keys (the producer's journal).
    public init(network: Network, plan: SegmentPlan, keys: ModelKeys, keyGenerator: KeyGenerator = KeyGenerator()) {
        self.network = network
        self.plan = plan
        self.keys = keys
        self.blindedModel = BlindedModel(network: network, keys: keys)
        self.keyGenerator = keyGenerator
    }

    /// Blinds the plaintext input of `segment` (rows × features, without the homogeneous column)
    /// with a fresh batch key, which the caller keeps secret until the segment's output returns.
    public func blindInput(_ activations: Matrix, segment: Int) throws -> (input: Matrix, batchKey: MonomialMatrix) {
        let layers = plan.segments[segment]
        let batchKey = BatchBlinding.batchKey(rows: activations.rows, segmentLength: layers.count,
                                              generator: keyGenerator)
        let input = try BatchBlinding.blind(activations, batchKey: batchKey,
                                            boundaryKey: keys.boundaries[layers.lowerBound])
        return (input, batchKey)
    }

    /// Unblinds the last pre-activation of `segment` and applies what only the user applies: that
    /// layer's activation, and the final softmax after the last segment. Returns the next segment's
    /// plaintext input, or the model's output after the last segment.
    public func finishSegment(_ output: Matrix, segment: Int, batchKey: MonomialMatrix) throws -> Matrix {
        let layers = plan.segments[segment]
        var z = try BatchBlinding.unblind(output, batchKey: batchKey, boundaryKey: keys.boundaries[layers.upperBound])
        network.layers[layers.upperBound - 1].activation.apply(to: &z)
        if layers.upperBound == network.layers.count && network.endsInSoftmax { z.applyRowSoftmax() }
        return z
    }
}
