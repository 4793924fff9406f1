import Foundation

/// The machine's load averages (1, 5, 15 minutes), recorded beside every benchmark: on a shared
/// machine the ratios are only as good as the load they were measured under.
struct LoadAverage: Encodable, CustomStringConvertible {
    let values: [Double]

    static var now: LoadAverage {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return LoadAverage(values: text.split(separator: " ").prefix(3).compactMap { Double($0) })
    }

    /// The 1-minute load average, NaN when unknown.
    static var oneMinute: Double { now.values.first ?? .nan }

    var description: String { values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
}
