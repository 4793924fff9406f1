import Foundation

/// The 1-minute load average (`/proc/loadavg`), which every bench table on this shared machine states.
enum LoadAverage {
    static var oneMinute: Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Double($0) } ?? .nan
    }
}
