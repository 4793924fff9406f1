@testable import SecureNets

/// The producer's and worker's side of the protocol (DESIGN §3) with keys drawn from a seeded generator,
/// recording what each segment's worker received and returned, so tests can verify or tamper with it.
struct SeededSecureRun {
    struct Segment {
        let layers: Range<Int>
        /// The blinded input Ã' the worker received.
        let input: Matrix
        /// The worker's blinded pre-activations Z'_l, one per layer of the segment.
        let outputs: [Matrix]
        let batchKey: MonomialMatrix
    }

    let session: BlindingSession
    let segments: [Segment]
    /// The unblinded output (after the final softmax when the network has one).
    let output: Matrix

    init(network: Network, input: Matrix, mode: ChainingMode, precision: Precision,
         keyGenerator: KeyGenerator = KeyGenerator(), using rng: inout SplitMix64) throws {
        let plan = SegmentPlan(network: network, mode: mode)
        let keys = ModelKeys.generate(for: network, plan: plan, generator: keyGenerator, using: &rng)
        session = BlindingSession(network: network, plan: plan, keys: keys, keyGenerator: keyGenerator)
        var segments: [Segment] = []
        var activations = input
        for (index, layers) in plan.segments.enumerated() {
            // DESIGN §3: a batch key may carry signs only when no worker-side activation sees it.
            let batchKey = keyGenerator.key(size: input.rows, signed: layers.count == 1, using: &rng)
            let blinded = try BatchBlinding.blind(activations, batchKey: batchKey,
                                                  boundaryKey: keys.boundaries[layers.lowerBound])
            let outputs = try BlindedForward.run(input: blinded, layers: session.blindedModel.layers[layers],
                                                 precision: precision)
            segments.append(Segment(layers: layers, input: blinded, outputs: outputs, batchKey: batchKey))
            activations = try session.finishSegment(outputs[outputs.count - 1], segment: index, batchKey: batchKey)
        }
        self.segments = segments
        output = activations
    }

    /// The blinded layers of `segment`, as the verifier holds them.
    func layers(of segment: Segment) -> ArraySlice<BlindedLayer> { session.blindedModel.layers[segment.layers] }
}
