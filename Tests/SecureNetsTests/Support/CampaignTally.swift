import Foundation

/// Counts the verifier's outcomes per row label (a cheat strategy or an honest precision) and
/// prints them as a table; keeps the residual ratios of each row for their distribution.
struct CampaignTally {
    private(set) var labels: [String] = []
    private var outcomes: [String: [CampaignVerifier.Outcome: Int]] = [:]
    private var ratios: [String: [Double]] = [:]

    mutating func record(_ label: String, _ outcome: CampaignVerifier.Outcome, ratio: Double) {
        if outcomes[label] == nil { labels.append(label) }
        outcomes[label, default: [:]][outcome, default: 0] += 1
        ratios[label, default: []].append(ratio)
    }

    mutating func merge(_ other: CampaignTally) {
        for label in other.labels {
            if outcomes[label] == nil { labels.append(label) }
            outcomes[label, default: [:]].merge(other.outcomes[label] ?? [:], uniquingKeysWith: +)
            ratios[label, default: []] += other.ratios[label] ?? []
        }
    }

    func cases(_ label: String) -> Int { outcomes[label]?.values.reduce(0, +) ?? 0 }
    func count(_ label: String, _ outcome: CampaignVerifier.Outcome) -> Int { outcomes[label]?[outcome] ?? 0 }
    var totalCases: Int { labels.map(cases).reduce(0, +) }
    func total(_ outcome: CampaignVerifier.Outcome) -> Int { labels.map { count($0, outcome) }.reduce(0, +) }
    func residualRatios(_ label: String) -> [Double] { ratios[label] ?? [] }

    /// One line per cheat strategy: cases, detected (anything but `passed`), rate, and how.
    func detectionTable() -> String {
        var lines = [Self.row("strategy", "cases", "detected", "rate", "failed", "rejected", "undecodable")]
        for label in labels + ["total"] {
            let cases = label == "total" ? totalCases : cases(label)
            func n(_ outcome: CampaignVerifier.Outcome) -> Int { label == "total" ? total(outcome) : count(label, outcome) }
            let detected = cases - n(.passed)
            lines.append(Self.row(label, "\(cases)", "\(detected)", Self.percent(detected, of: cases),
                                  "\(n(.failed))", "\(n(.rejected))", "\(n(.undecodable))"))
        }
        return lines.joined(separator: "\n")
    }

    /// One line per honest precision: cases, passed, false alarms, and the residual ratios seen.
    func honestTable() -> String {
        var lines = [Self.row("honest results", "cases", "passed", "false alarms", "median ratio", "max ratio", "")]
        for label in labels {
            let sorted = residualRatios(label).sorted()
            lines.append(Self.row(label, "\(cases(label))", "\(count(label, .passed))",
                                  "\(cases(label) - count(label, .passed))",
                                  String(format: "%.3g", Self.median(sorted)),
                                  String(format: "%.3g", sorted.last ?? 0), ""))
        }
        return lines.joined(separator: "\n")
    }

    static func median(_ sorted: [Double]) -> Double { sorted.isEmpty ? .nan : sorted[sorted.count / 2] }

    private static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%.2f %%", 100 * Double(part) / Double(whole))
    }

    private static func row(_ label: String, _ columns: String...) -> String {
        label.padding(toLength: 36, withPad: " ", startingAt: 0)
            + columns.map { $0.leftPadded(to: 12) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
