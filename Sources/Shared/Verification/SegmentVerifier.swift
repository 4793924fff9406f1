/// Checks every layer of a segment a worker claims to have computed.
///
/// The input of layer l is rebuilt here as σ(Z'_{l-1}) from the worker's own float32 output, exactly as
/// the worker must have computed it (the worker sends no activations), and the first layer's input is
/// the job's input, whose digest the producer signed.
public struct SegmentVerifier: Sendable {
    public var check: FreivaldsCheck

    public init(rounds: Int = 2) { check = FreivaldsCheck(rounds: rounds) }

    public func verify(input: Matrix, layers: ArraySlice<BlindedLayer>, outputs: [Matrix],
                       precision: Precision) -> SegmentCheck {
        guard outputs.count == layers.count else {
            return SegmentCheck(layers: [], failure: "expected \(layers.count) layer outputs, got \(outputs.count)")
        }
        var rng = SystemRandomStream()
        let results = check.checkChain(input: input, weights: layers.map(\.weights), outputs: outputs,
                                       activations: layers.dropLast().map(\.activation), precision: precision,
                                       using: &rng)
        if let failed = results.last, !failed.passed {
            return SegmentCheck(layers: results,
                                failure: "layer \(layers.startIndex + results.count - 1): \(failed.failure ?? "check failed")")
        }
        return SegmentCheck(layers: results, failure: nil)
    }
}

/// The outcome of checking a whole segment: one `LayerCheck` per layer checked (it stops at the first failure).
public struct SegmentCheck: Sendable, Equatable {
    public let layers: [LayerCheck]
    public let failure: String?

    public var passed: Bool { failure == nil }
    /// The largest residual ratio over the layers checked (0 when none was).
    public var maxResidualRatio: Double { layers.map(\.maxResidualRatio).max() ?? 0 }
}
