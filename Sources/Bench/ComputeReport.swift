import Foundation

/// Renders compute results as the two tables the README and docs/BENCHMARKS.md show, and as JSON.
enum ComputeReport {
    /// Median times in milliseconds, one row per (shape, batch).
    static func timesTable(_ results: [ComputeResult]) -> String {
        let operations = ComputeOperation.allCases
        var rows = [["shape", "batch"] + operations.map { $0.rawValue + " ms" }]
        for result in results {
            rows.append([result.shape, String(result.batch)] + operations.map { operation in
                if let seconds = result.seconds[operation] { return String(format: "%.2f", seconds * 1000) }
                let unavailable = operation == .onnxruntime && result.onnxruntimeAbsentReason != ComputeResult.notSelected
                return unavailable ? "absent" : "—"
            })
        }
        return MarkdownTable.render(rows)
    }

    /// Ratios against plaintext, with the target and ✓/✗ on the rows the targets are judged on.
    static func ratiosTable(_ results: [ComputeResult]) -> String {
        var rows = [["shape", "batch"] + RatioTarget.all.map { "\($0.title) \($0.limitText)" }]
        for result in results {
            rows.append([result.shape, String(result.batch)] + RatioTarget.all.map { target in
                guard let ratio = target.value(result) else { return "—" }
                let judged = result.batch == RatioTarget.batch
                return target.format(ratio) + (judged ? (ratio <= target.limit ? " ✓" : " ✗") : "")
            })
        }
        return MarkdownTable.render(rows)
    }

    /// Model blinding (once per key epoch) and the sanity checks, one row per (shape, batch).
    static func checksTable(_ results: [ComputeResult]) -> String {
        var rows = [["shape", "batch", "model blinding ms", "unblinded vs plain", "verify max ratio", "masked vs plain", "masked verify", "ort vs plain"]]
        for result in results {
            rows.append([
                result.shape, String(result.batch),
                String(format: "%.1f", result.modelBlindingSeconds * 1000),
                String(format: "%.1e", result.correctness.unblindedMaxRelativeError),
                String(format: "%.3f", result.correctness.maxResidualRatio)
                    + (result.correctness.verificationPassed ? " pass" : " FAIL"),
                result.correctness.maskedMaxRelativeError.map { String(format: "%.1e", $0) } ?? "—",
                result.correctness.maskedVerificationPassed.map { $0 ? "pass" : "FAIL" } ?? "—",
                result.onnxruntimeMaxRelativeDifference.map { String(format: "%.1e", $0) } ?? "absent",
            ])
        }
        return MarkdownTable.render(rows)
    }

    static func json(_ results: [ComputeResult]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(results)
    }
}
