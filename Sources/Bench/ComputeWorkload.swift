import SecureNets

/// One (shape, batch) cell of the compute benchmark, prepared so that each timed call does exactly the
/// work of one role and nothing else.
///
/// The producer's session and the worker's outputs are computed once up front: the blind+unblind timing
/// must not include the worker, the verification timing must not include the worker either, and both
/// must run on genuine data (a verifier fed garbage would stop at the first layer).
struct ComputeWorkload {
    static let verificationRounds = 2

    let network: Network
    let session: BlindingSession
    let input: Matrix
    let blindedInput: Matrix
    let batchKey: MonomialMatrix
    let workerOutputs: [Matrix]

    private var segment: Range<Int> { session.plan.segments[0] }

    init(network: Network, session: BlindingSession, input: Matrix) throws {
        precondition(session.plan.segments.count == 1, "the benchmark network is one chained segment")
        self.network = network
        self.session = session
        self.input = input
        var keys = Self.batchKeyStream()
        (blindedInput, batchKey) = try session.blindInput(input, segment: 0, using: &keys)
        workerOutputs = try BlindedForward.run(input: blindedInput, layers: session.blindedModel.layers[0...],
                                               precision: .exact)
    }

    /// The user's local baseline: float32 `sgemm` through every layer.
    func plaintext() throws -> Matrix { try network.forward(input) }

    /// What a worker does with one job: every blinded layer of the segment.
    func blindedForward(_ precision: Precision) throws -> [Matrix] {
        try BlindedForward.run(input: blindedInput, layers: session.blindedModel.layers[segment], precision: precision)
    }

    /// What the producer does per batch (`JobRunner`): derive the batch key from the job's key stream,
    /// blind the input, and unblind the verified reply with that key. The same stream made the
    /// worker's outputs, so the unblinded numbers are the real ones.
    func blindAndUnblind() throws -> Matrix {
        var keys = Self.batchKeyStream()
        let (_, key) = try session.blindInput(input, segment: 0, using: &keys)
        return try session.finishSegment(workerOutputs[workerOutputs.count - 1], segment: 0, batchKey: key)
    }

    /// The stream `JobRunner` derives batch 0's keys from, with a fixed seed.
    private static func batchKeyStream() -> KeyStream {
        KeyStream(seed: [UInt8](repeating: 0x5E, count: 32), label: "batch 0 segment 0")
    }

    /// What the verifier does per result: the randomized check of every layer with k = 2.
    func verify() -> SegmentCheck {
        SegmentVerifier(rounds: Self.verificationRounds)
            .verify(input: blindedInput, layers: session.blindedModel.layers[segment], outputs: workerOutputs,
                    precision: .exact)
    }

    /// Evidence that the timed code computes the right thing: the unblinded worker output against the
    /// plaintext forward pass, and the verifier's verdict on honest work.
    func correctness(plaintextOutput: Matrix) throws -> CorrectnessReport {
        let unblinded = try blindAndUnblind()
        let check = verify()
        return CorrectnessReport(
            unblindedMaxRelativeError: Self.maxRelativeError(unblinded, reference: plaintextOutput),
            verificationPassed: check.passed,
            maxResidualRatio: check.maxResidualRatio)
    }

    /// max |a − b| / max |b| over all entries: one scale for the whole output, so near-zero logits do
    /// not turn float32 rounding into a huge relative error.
    static func maxRelativeError(_ a: Matrix, reference b: Matrix) -> Double {
        precondition(a.rows == b.rows && a.columns == b.columns)
        var difference = 0.0, scale = 0.0
        for (x, y) in zip(a.elements, b.elements) {
            difference = max(difference, Double(abs(x - y)))
            scale = max(scale, Double(abs(y)))
        }
        return scale > 0 ? difference / scale : difference
    }
}

/// What `ComputeWorkload.correctness` found.
struct CorrectnessReport: Codable, Sendable {
    /// Unblinded exact-mode worker output vs plaintext `sgemm` output, relative to the largest logit.
    let unblindedMaxRelativeError: Double
    /// The verifier accepted the honest worker's outputs.
    let verificationPassed: Bool
    /// Largest |u − v| / bound over all layers and rounds (≤ 1 passes).
    let maxResidualRatio: Double
    /// Masked mode's output (quantized) vs plaintext `sgemm` output, relative to the largest logit.
    var maskedMaxRelativeError: Double?
    /// The exact mod-p check accepted both pools' honest products of every layer.
    var maskedVerificationPassed: Bool?

    enum CodingKeys: String, CodingKey {
        case unblindedMaxRelativeError = "unblinded_max_relative_error"
        case verificationPassed = "verification_passed"
        case maxResidualRatio = "max_residual_ratio"
        case maskedMaxRelativeError = "masked_max_relative_error"
        case maskedVerificationPassed = "masked_verification_passed"
    }
}
