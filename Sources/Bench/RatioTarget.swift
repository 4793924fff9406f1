import Foundation

/// One performance target of the brief: a ratio of two medians and the most it may be, judged at
/// `RatioTarget.batch` rows (smaller batches are reported but leave BLAS too little work to judge).
struct RatioTarget: Sendable {
    static let batch = 1024

    /// JSON key, e.g. `exact_over_plaintext`.
    let key: String
    /// Table heading, e.g. `exact/plain`.
    let title: String
    let numerator: ComputeOperation
    let denominator: ComputeOperation
    let limit: Double
    /// Printed as a percentage (small overheads) rather than a factor.
    let asPercent: Bool

    static let all: [RatioTarget] = [
        RatioTarget(key: "exact_over_plaintext", title: "exact/plain", numerator: .blindedExact,
                    denominator: .plaintext, limit: 2.2, asPercent: false),
        RatioTarget(key: "fast_over_plaintext", title: "fast/plain", numerator: .blindedFast,
                    denominator: .plaintext, limit: 1.10, asPercent: false),
        RatioTarget(key: "blind_unblind_over_plaintext", title: "(b+u)/plain", numerator: .blindUnblind,
                    denominator: .plaintext, limit: 0.05, asPercent: true),
        RatioTarget(key: "verify_over_plaintext", title: "verify/plain", numerator: .verify,
                    denominator: .plaintext, limit: 0.10, asPercent: true),
        RatioTarget(key: "masked_data_pool_over_plaintext", title: "data pool/plain", numerator: .maskedDataPool,
                    denominator: .plaintext, limit: 2.3, asPercent: false),
        RatioTarget(key: "masked_mask_pool_over_plaintext", title: "mask pool/plain", numerator: .maskedMaskPool,
                    denominator: .plaintext, limit: 2.3, asPercent: false),
        RatioTarget(key: "masked_producer_over_plaintext", title: "masked producer/plain", numerator: .maskedProducer,
                    denominator: .plaintext, limit: 0.10, asPercent: true),
        RatioTarget(key: "masked_verify_over_plaintext", title: "masked verify/plain", numerator: .maskedVerify,
                    denominator: .plaintext, limit: 0.15, asPercent: true),
        RatioTarget(key: "plaintext_over_onnxruntime", title: "plain/ort", numerator: .plaintext,
                    denominator: .onnxruntime, limit: 1.25, asPercent: false),
    ]

    func value(_ result: ComputeResult) -> Double? { result.ratio(numerator, over: denominator) }

    /// nil when the ratio is unknown (onnxruntime absent).
    func isMet(by result: ComputeResult) -> Bool? { value(result).map { $0 <= limit } }

    func format(_ ratio: Double) -> String {
        asPercent ? String(format: "%.1f %%", ratio * 100) : String(format: "%.2f×", ratio)
    }

    /// "≤ 2.20×" or "≤ 5 %".
    var limitText: String {
        asPercent ? String(format: "≤ %g %%", limit * 100) : String(format: "≤ %.2f×", limit)
    }
}

/// A target judged on one result, as written to JSON: `{"limit": 2.2, "met": true}` (`met` is null
/// when the ratio is unknown).
struct TargetVerdict: Encodable, Sendable {
    let limit: Double
    let met: Bool?

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limit, forKey: .limit)
        try container.encode(met, forKey: .met)
    }

    enum CodingKeys: String, CodingKey { case limit, met }
}
