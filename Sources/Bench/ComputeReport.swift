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
        return render(rows)
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
        return render(rows)
    }

    /// Model blinding (once per key epoch) and the sanity checks, one row per (shape, batch).
    static func checksTable(_ results: [ComputeResult]) -> String {
        var rows = [["shape", "batch", "model blinding ms", "unblinded vs plain", "verify max ratio", "ort vs plain"]]
        for result in results {
            rows.append([
                result.shape, String(result.batch),
                String(format: "%.1f", result.modelBlindingSeconds * 1000),
                String(format: "%.1e", result.correctness.unblindedMaxRelativeError),
                String(format: "%.3f", result.correctness.maxResidualRatio)
                    + (result.correctness.verificationPassed ? " pass" : " FAIL"),
                result.onnxruntimeMaxRelativeDifference.map { String(format: "%.1e", $0) } ?? "absent",
            ])
        }
        return render(rows)
    }

    static func json(_ results: [ComputeResult]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(results)
    }

    /// A Markdown-compatible table with padded columns (readable in a terminal as well).
    private static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: " | ") + " |"
        }
        let separator = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(rows[0]), separator] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
