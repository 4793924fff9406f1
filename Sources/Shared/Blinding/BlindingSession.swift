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
        self.blindedModel = BlindedModel(network: network, keys: keys, plan: plan)
        self.keyGenerator = keyGenerator
    }

    /// Blinds the plaintext input of `segment` (rows × features, without the homogeneous column)
    /// with a fresh batch key, which the caller keeps secret until the segment's output returns.
    public func blindInput(_ activations: Matrix, segment: Int) throws -> (input: Matrix, batchKey: MonomialMatrix) {
        var rng = SystemRandomStream()
        return try blindInput(activations, segment: segment, using: &rng)
    }

    /// Same, drawing the batch key from `rng` (a `KeyStream` makes re-publishing reproducible).
    public func blindInput<G: RandomNumberGenerator>(_ activations: Matrix, segment: Int,
                                                     using rng: inout G) throws -> (input: Matrix, batchKey: MonomialMatrix) {
        try blind(activations, segment: segment, using: &rng)
    }

    private func blind<G: RandomNumberGenerator>(_ activations: Matrix, segment: Int,
                                                 using rng: inout G) throws -> (input: Matrix, batchKey: MonomialMatrix) {
        let layers = plan.segments[segment]
        let batchKey = self.batchKey(rows: activations.rows, segment: segment, using: &rng)
        let input = try BatchBlinding.blind(activations, batchKey: batchKey,
                                            boundaryKey: keys.boundaries[layers.lowerBound])
        return (input, batchKey)
    }

    /// `blindInput(_:segment:using:)` for the producer's key stream. Generic code called from
    /// another module runs unspecialized, one witness-table call per random word; this overload is
    /// specialized here, which made deriving a 1024-row key several times faster.
    public func blindInput(_ activations: Matrix, segment: Int,
                           using stream: inout KeyStream) throws -> (input: Matrix, batchKey: MonomialMatrix) {
        try blind(activations, segment: segment, using: &stream)
    }

    /// `batchKey(rows:segment:using:)` for the producer's key stream, specialized here (see above).
    public func batchKey(rows: Int, segment: Int, using stream: inout KeyStream) -> MonomialMatrix {
        keyGenerator.key(size: rows, signed: plan.segments[segment].count == 1, using: &stream)
    }

    /// The batch key `N` of `segment` for a batch of `rows`, drawn from `rng`: random signs only when
    /// no worker applies an activation inside the segment.
    public func batchKey<G: RandomNumberGenerator>(rows: Int, segment: Int, using rng: inout G) -> MonomialMatrix {
        keyGenerator.key(size: rows, signed: plan.segments[segment].count == 1, using: &rng)
    }

    /// Unblinds the last pre-activation of `segment` and applies what only the user applies: that
    /// layer's activation, and the final (log-)softmax after the last segment. Returns the next segment's
    /// plaintext input, or the model's output after the last segment.
    public func finishSegment(_ output: Matrix, segment: Int, batchKey: MonomialMatrix) throws -> Matrix {
        let layers = plan.segments[segment]
        var z = try BatchBlinding.unblind(output, batchKey: batchKey, boundaryKey: keys.boundaries[layers.upperBound])
        network.layers[layers.upperBound - 1].activation.apply(to: &z)
        if layers.upperBound == network.layers.count { network.outputNormalization.apply(to: &z) }
        return z
    }
}
