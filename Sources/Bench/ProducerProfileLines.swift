import Foundation

/// The `profile:` lines `securenets submit` prints to standard error under `SECURENETS_PROFILE=1`
/// (the producer's `PhaseProfile`), parsed: CPU and wall seconds per phase, in the producer's order.
struct ProducerProfileLines: Encodable {
    struct Phase: Encodable {
        let name: String
        let cpuSeconds: Double
        let wallSeconds: Double
        let calls: Int
        let meaning: String

        enum CodingKeys: String, CodingKey {
            case name, calls, meaning
            case cpuSeconds = "cpu_seconds"
            case wallSeconds = "wall_seconds"
        }
    }

    let phases: [Phase]
    /// The producer's own sum of its phases, and its rusage at the end (cross-checks).
    let totalCPUSeconds: Double
    let rusageCPUSeconds: Double
    let maxRSSKiB: Int

    enum CodingKeys: String, CodingKey {
        case phases
        case totalCPUSeconds = "total_cpu_seconds"
        case rusageCPUSeconds = "rusage_cpu_seconds"
        case maxRSSKiB = "max_rss_kib"
    }

    /// Throws `BenchError` when `stderr` holds no complete profile (the producer was not profiled).
    init(stderr: String) throws {
        var phases: [Phase] = []
        var total: [String: String]?
        for line in stderr.split(separator: "\n") where line.hasPrefix("profile: ") {
            let text = line.dropFirst("profile: ".count)
            let (fieldsText, meaning) = text.split(separator: "#", maxSplits: 1).map(String.init).pair
            let words = fieldsText.split(separator: " ").map(String.init)
            guard let name = words.first else { continue }
            var fields: [String: String] = [:]
            for word in words.dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            if name == "total" { total = fields; continue }
            guard let cpu = fields["cpu"].flatMap(Double.init), let wall = fields["wall"].flatMap(Double.init),
                  let calls = fields["calls"].flatMap(Int.init) else { throw BenchError("odd profile line: \(line)") }
            phases.append(Phase(name: name, cpuSeconds: cpu, wallSeconds: wall, calls: calls,
                                meaning: meaning.trimmingCharacters(in: .whitespaces)))
        }
        guard let total, let cpu = total["cpu"].flatMap(Double.init), let rusage = total["rusage_cpu"].flatMap(Double.init),
              let rss = total["max_rss_kib"].flatMap(Int.init), !phases.isEmpty else {
            throw BenchError("securenets submit printed no profile (is SECURENETS_PROFILE=1 supported by this build?)")
        }
        self.phases = phases
        totalCPUSeconds = cpu
        rusageCPUSeconds = rusage
        maxRSSKiB = rss
    }

    func cpuSeconds(_ phase: String) -> Double { phases.first { $0.name == phase }?.cpuSeconds ?? 0 }
}

private extension Array where Element == String {
    /// The first two elements, the second empty when missing.
    var pair: (String, String) { (first ?? "", count > 1 ? self[1] : "") }
}
