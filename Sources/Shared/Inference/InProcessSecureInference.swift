/// The complete secure protocol inside one process, without a broker: blind, compute as a worker would,
/// verify as the verifier would, unblind. The reference the distributed pipeline must agree with.
public struct InProcessSecureInference: Sendable {
    public var batchSize: Int
    public var mode: ChainingMode
    public var precision: Precision
    public var rounds: Int
    public var keyGenerator: KeyGenerator

    public init(batchSize: Int = 256, mode: ChainingMode = .chained, precision: Precision = .exact,
                rounds: Int = 2, keyGenerator: KeyGenerator = KeyGenerator()) {
        precondition(batchSize > 0, "batch size must be positive")
        self.batchSize = batchSize
        self.mode = mode
        self.precision = precision
        self.rounds = rounds
        self.keyGenerator = keyGenerator
    }

    /// Runs every batch; throws `SecureInferenceError.verificationFailed` if any segment fails its check.
    public func run(network: Network, input: Matrix) throws -> SecureInferenceResult {
        var outputs: [Matrix] = []
        let summary = try run(network: network, input: input) { _, output in outputs.append(output) }
        return SecureInferenceResult(output: Matrix.stacking(outputs, columns: network.outputCount),
                                     maxResidualRatio: summary.maxResidualRatio, segmentCount: summary.segmentCount)
    }

    /// Runs every batch of `input`, read a batch at a time, and hands each batch's outputs to `emit`
    /// with the batch's first row, in order: memory is one batch, whatever the input's size.
    /// The result's `output` is empty.
    public func run(network: Network, input: some RowSource,
                    emit: (_ firstRow: Int, _ output: Matrix) throws -> Void) throws -> SecureInferenceResult {
        guard input.columns == network.inputCount else {
            throw ModelError.inputWidthMismatch(expected: network.inputCount, actual: input.columns)
        }
        let session = BlindingSession(network: network, mode: mode, keyGenerator: keyGenerator)
        let verifier = SegmentVerifier(rounds: rounds)
        var worst = 0.0
        for start in stride(from: 0, to: input.rows, by: batchSize) {
            let batchIndex = start / batchSize
            var activations = try input.rows(start..<min(start + batchSize, input.rows))
            for (segment, layers) in session.plan.segments.enumerated() {
                let (blinded, batchKey) = try session.blindInput(activations, segment: segment)
                let results = try BlindedForward.run(input: blinded, layers: session.blindedModel.layers[layers],
                                                     precision: precision)
                let check = verifier.verify(input: blinded, layers: session.blindedModel.layers[layers],
                                            outputs: results, precision: precision)
                guard check.passed else {
                    throw SecureInferenceError.verificationFailed(batch: batchIndex, segment: segment,
                                                                  reason: check.failure ?? "")
                }
                worst = max(worst, check.maxResidualRatio)
                activations = try session.finishSegment(results[results.count - 1], segment: segment, batchKey: batchKey)
            }
            try emit(start, activations)
        }
        return SecureInferenceResult(output: Matrix(rows: 0, columns: network.outputCount, elements: []),
                                     maxResidualRatio: worst, segmentCount: session.plan.segments.count)
    }
}

/// Output of a secure run: rows in input order, and the worst verification residual seen.
public struct SecureInferenceResult: Sendable {
    public let output: Matrix
    public let maxResidualRatio: Double
    public let segmentCount: Int
}

public enum SecureInferenceError: Error, CustomStringConvertible {
    case verificationFailed(batch: Int, segment: Int, reason: String)

    public var description: String {
        switch self {
        case let .verificationFailed(batch, segment, reason):
            "batch \(batch), segment \(segment) failed verification: \(reason)"
        }
    }
}
