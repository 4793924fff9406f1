/// One layer as a worker sees it: blinded homogeneous weights `W̃' = M_{l-1}⁻¹ W̃ M_l` and the activation
/// the worker applies when the layer is inside a segment.
public struct BlindedLayer: Sendable, Equatable {
    public let weights: Matrix
    public let activation: Activation
    /// `weights` in float64 for exact-precision products, made on first use and shared by every copy
    /// of this layer (and so of its model). Not part of the layer's value: equality ignores it.
    let widenedWeights = WidenedWeights()

    public init(weights: Matrix, activation: Activation) {
        self.weights = weights
        self.activation = activation
    }

    public static func == (lhs: BlindedLayer, rhs: BlindedLayer) -> Bool {
        lhs.weights == rhs.weights && lhs.activation == rhs.activation
    }
}

/// The blinded network of one key epoch: what travels to workers and verifiers (once, by digest).
/// Holds no secret: the keys stay with the producer.
public struct BlindedModel: Sendable, Equatable {
    public let layers: [BlindedLayer]

    public init(layers: [BlindedLayer]) throws {
        guard !layers.isEmpty else { throw ModelError.noLayers }
        for (index, pair) in zip(layers, layers.dropFirst()).enumerated()
        where pair.0.weights.columns != pair.1.weights.rows {
            throw ModelError.shapeMismatch(layer: index + 1, name: "blinded",
                                           detail: "weight is \(pair.1.weights.shapeDescription), previous layer has \(pair.0.weights.columns) outputs")
        }
        self.layers = layers
    }

    /// Blinds every layer of `network` with `keys`, made for `plan`, which says where workers apply
    /// activations (PRelu's slopes are sent, permuted, only there). O(Σ n_{l-1}·n_l): no matrix product.
    public init(network: Network, keys: ModelKeys, plan: SegmentPlan) {
        precondition(keys.boundaries.count == network.layers.count + 1, "one key per layer boundary")
        let segmentEnds = Set(plan.segments.map { $0.upperBound - 1 })
        self.layers = network.layers.enumerated().map { index, layer in
            let outputKey = keys.boundaries[index + 1]
            let weights = MonomialMatrix.sandwich(keys.boundaries[index].inverse, layer.homogeneousWeights, outputKey)
            let activation = layer.activation.sentToWorkers(outputKey: outputKey,
                                                            appliedByWorker: !segmentEnds.contains(index))
            return BlindedLayer(weights: weights, activation: activation)
        }
    }

    /// Homogeneous input width of layer `index` (features + 1).
    public func inputWidth(ofLayer index: Int) -> Int { layers[index].weights.rows }
}
