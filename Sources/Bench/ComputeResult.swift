import ArgumentParser

/// The operations the compute benchmark times, in the order each pass runs them.
enum ComputeOperation: String, CaseIterable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    case plaintext
    case blindedExact = "blinded_exact"
    case blindedFast = "blinded_fast"
    case blindUnblind = "blind_unblind"
    case verify
    /// Masked mode (docs/MASKED.md), per batch over all layers: each pool's products, the producer's
    /// mask/unmask/activation steps, and the verifier's exact checks of both pools.
    case maskedDataPool = "masked_data_pool"
    case maskedMaskPool = "masked_mask_pool"
    case maskedProducer = "masked_producer"
    case maskedVerify = "masked_verify"
    /// Timed by the Python script, after the others.
    case onnxruntime

    var description: String { rawValue }
}

/// The measurements of one (shape, batch) cell: median seconds per operation and the ratios that
/// are the benchmark's actual result (absolute times are noise on a shared machine).
struct ComputeResult: Encodable, Sendable {
    /// The onnxruntime absence reason when `--operations` left it out.
    static let notSelected = "not selected (--operations)"

    let shape: String
    let batch: Int
    let repeats: Int
    let threads: Int
    /// Whether the process ran with `MallocTuning.retainFreedMemory()` (the default).
    let mallocTuned: Bool
    /// Median seconds per operation; nil where the operation could not run (onnxruntime absent).
    let seconds: [ComputeOperation: Double]
    /// Once per shape: blinding the whole model, which happens once per key epoch, not per batch.
    let modelBlindingSeconds: Double
    let correctness: CorrectnessReport
    /// The onnxruntime version that was timed, when it was.
    let onnxruntimeVersion: String?
    /// max |onnxruntime − plaintext| / max |plaintext|, when onnxruntime ran.
    let onnxruntimeMaxRelativeDifference: Double?
    /// Why onnxruntime has no time, when it has none.
    let onnxruntimeAbsentReason: String?

    func ratio(_ numerator: ComputeOperation, over denominator: ComputeOperation) -> Double? {
        guard let n = seconds[numerator], let d = seconds[denominator], d > 0 else { return nil }
        return n / d
    }

    enum CodingKeys: String, CodingKey {
        case shape, batch, passes, repeats, threads, seconds, ratios, targets, correctness
        case mallocTuned = "malloc_tuned"
        case modelBlindingSeconds = "model_blinding_seconds"
        case onnxruntimeVersion = "onnxruntime_version"
        case onnxruntimeMaxRelativeDifference = "onnxruntime_max_relative_difference"
        case onnxruntimeAbsentReason = "onnxruntime_absent_reason"
    }

    /// Explicit `null` for what is missing, so every object has the same keys.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .shape)
        try container.encode(batch, forKey: .batch)
        try container.encode(ComputeBenchmark.passes, forKey: .passes)
        try container.encode(repeats, forKey: .repeats)
        try container.encode(threads, forKey: .threads)
        try container.encode(mallocTuned, forKey: .mallocTuned)
        let times = Dictionary(uniqueKeysWithValues: ComputeOperation.allCases.map { ($0.rawValue, seconds[$0]) })
        try container.encode(times, forKey: .seconds)
        try container.encode(modelBlindingSeconds, forKey: .modelBlindingSeconds)
        let ratios = Dictionary(uniqueKeysWithValues: RatioTarget.all.map { ($0.key, $0.value(self)) })
        try container.encode(ratios, forKey: .ratios)
        if batch == RatioTarget.batch {
            let verdicts = Dictionary(uniqueKeysWithValues: RatioTarget.all.map { target in
                (target.key, TargetVerdict(limit: target.limit, met: target.isMet(by: self)))
            })
            try container.encode(verdicts, forKey: .targets)
        }
        try container.encode(correctness, forKey: .correctness)
        try container.encode(onnxruntimeVersion, forKey: .onnxruntimeVersion)
        try container.encode(onnxruntimeMaxRelativeDifference, forKey: .onnxruntimeMaxRelativeDifference)
        try container.encode(onnxruntimeAbsentReason, forKey: .onnxruntimeAbsentReason)
    }
}
