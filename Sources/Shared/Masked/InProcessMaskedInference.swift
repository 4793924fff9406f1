/// Masked mode inside one process, without a broker: for every batch and layer the producer quantizes
/// and masks, the data pool and the mask pool compute their products, the verifier checks both mod p,
/// and the producer unmasks, dequantizes and applies the activation. The reference the distributed
/// masked pipeline must agree with.
public struct InProcessMaskedInference: Sendable {
    public var batchSize: Int
    /// Random vectors per mod-p check.
    public var rounds: Int

    public init(batchSize: Int = 256, rounds: Int = 2) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(rounds > 0, "at least one round")
        self.batchSize = batchSize
        self.rounds = rounds
    }

    /// Runs every batch. Throws `ModelError.inputWidthMismatch`, a `MaskedModeError` for a layer that
    /// does not fit, and `MaskedModeError.verificationFailed` if any pool's product fails its check.
    public func run(network: Network, input: Matrix) throws -> MaskedInferenceResult {
        var outputs: [Matrix] = []
        let summary = try run(network: network, input: input) { _, output in outputs.append(output) }
        return MaskedInferenceResult(output: Matrix.stacking(outputs, columns: network.outputCount),
                                     bitWidths: summary.bitWidths, checkedProducts: summary.checkedProducts)
    }

    /// Runs every batch of `input`, read a batch at a time, and hands each batch's outputs to `emit`
    /// with the batch's first row, in order: memory is one batch. The result's `output` is empty.
    public func run(network: Network, input: some RowSource,
                    emit: (_ firstRow: Int, _ output: Matrix) throws -> Void) throws -> MaskedInferenceResult {
        guard input.columns == network.inputCount else {
            throw ModelError.inputWidthMismatch(expected: network.inputCount, actual: input.columns)
        }
        let model = try MaskedModel(network: network)
        var batches = 0
        for start in stride(from: 0, to: input.rows, by: batchSize) {
            let batch = try input.rows(start..<min(start + batchSize, input.rows))
            try emit(start, try run(model: model, batch: batch, batchIndex: start / batchSize))
            batches += 1
        }
        return MaskedInferenceResult(output: Matrix(rows: 0, columns: network.outputCount, elements: []),
                                     bitWidths: model.layers.map(\.bitWidths), checkedProducts: 2 * model.layers.count * batches)
    }

    /// One batch through every layer: outputs after the last activation (and the model's softmax or log-softmax).
    func run(model: MaskedModel, batch: Matrix, batchIndex: Int) throws -> Matrix {
        var activations = batch
        for layer in model.layers {
            var z = try Self.layer(activations, layer, batchIndex: batchIndex, rounds: rounds)
            layer.activation.apply(to: &z)
            activations = z
        }
        model.outputNormalization.apply(to: &activations)
        return activations
    }

    /// One verified layer round trip: mask, both pools, both checks, unmask. Returns the layer's
    /// pre-activations Ẑ (bias included, activation not applied).
    static func layer(_ activations: Matrix, _ layer: MaskedLayer, batchIndex: Int, rounds: Int) throws -> Matrix {
        let request = try LayerMasking.mask(activations, for: layer)
        let check = ModPFreivaldsCheck(rounds: rounds)
        var products: [MaskedPool: ResidueMatrix] = [:]
        for input in [request.dataPoolInput, request.maskPoolInput] {
            let product = try input.compute(weights: layer.weights)
            // The verifier rebuilds the operand itself (R from the seed), as a separate process would.
            let verdict = check.check(input: try input.operand(columns: layer.inputCount), weights: layer.weights,
                                      output: product)
            guard verdict.passed else {
                throw MaskedModeError.verificationFailed(batch: batchIndex, layer: layer.index, pool: input.pool,
                                                         reason: verdict.failure ?? "")
            }
            products[input.pool] = product
        }
        return try LayerMasking.unmask(data: products[.data]!, mask: products[.mask]!, for: layer,
                                       inputScales: request.inputScales)
    }
}

/// Output of a masked run: rows in input order, the widths each layer used, and how many pool
/// products were checked (two per layer and batch).
public struct MaskedInferenceResult: Sendable {
    public let output: Matrix
    public let bitWidths: [MaskedBitWidths]
    public let checkedProducts: Int
}
