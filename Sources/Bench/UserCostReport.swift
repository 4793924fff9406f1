import Foundation

/// One run of the user-cost benchmark: plaintext `infer`, or `submit` in one privacy mode.
struct UserCostResult: Encodable {
    let shape: String
    let rows: Int
    /// "plaintext", "masked" or "blinded".
    let run: String
    /// User + system CPU seconds of the producer process (`infer` or `submit`).
    let cpuSeconds: Double
    let wallSeconds: Double
    /// The same shape's plaintext CPU seconds.
    let baselineCPUSeconds: Double
    /// Rows whose label equals plaintext's (nil for plaintext itself).
    let labelAgreement: Double?
    /// "verified/batches" from submit's summary.
    let verified: String?
    let jobLine: String?
    /// The cloud's side, for scale: the workers' and the verifier's CPU seconds during the job.
    let workerCPUSeconds: Double?
    let verifierCPUSeconds: Double?
    let profile: ProducerProfileLines?

    var ratioToPlaintext: Double { cpuSeconds / baselineCPUSeconds }
    var microsecondsPerRow: Double { 1e6 * cpuSeconds / Double(rows) }

    enum CodingKeys: String, CodingKey {
        case shape, rows, run, verified, profile
        case cpuSeconds = "cpu_seconds"
        case wallSeconds = "wall_seconds"
        case baselineCPUSeconds = "plaintext_cpu_seconds"
        case labelAgreement = "label_agreement"
        case jobLine = "job_line"
        case workerCPUSeconds = "worker_cpu_seconds"
        case verifierCPUSeconds = "verifier_cpu_seconds"
        case ratio = "ratio_to_plaintext_cpu"
        case perRow = "cpu_microseconds_per_row"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .shape)
        try container.encode(rows, forKey: .rows)
        try container.encode(run, forKey: .run)
        try container.encode(cpuSeconds, forKey: .cpuSeconds)
        try container.encode(wallSeconds, forKey: .wallSeconds)
        try container.encode(baselineCPUSeconds, forKey: .baselineCPUSeconds)
        try container.encode(ratioToPlaintext, forKey: .ratio)
        try container.encode(microsecondsPerRow, forKey: .perRow)
        try container.encodeIfPresent(labelAgreement, forKey: .labelAgreement)
        try container.encodeIfPresent(verified, forKey: .verified)
        try container.encodeIfPresent(jobLine, forKey: .jobLine)
        try container.encodeIfPresent(workerCPUSeconds, forKey: .workerCPUSeconds)
        try container.encodeIfPresent(verifierCPUSeconds, forKey: .verifierCPUSeconds)
        try container.encodeIfPresent(profile, forKey: .profile)
    }
}

/// The user-cost benchmark's tables (Markdown, for the terminal and docs/BENCHMARKS.md) and JSON.
struct UserCostReport: Encodable {
    /// The target: the whole submit at most this share of plaintext CPU, in the default mode.
    static let target = 0.10
    static let defaultMode = "masked"

    let machine: String
    let loadBefore: LoadAverage
    let loadAfter: LoadAverage
    let workersPerPool: Int
    let workerThreads: Int
    let results: [UserCostResult]

    enum CodingKeys: String, CodingKey {
        case machine, results
        case loadBefore = "load_average_before"
        case loadAfter = "load_average_after"
        case workersPerPool = "workers_per_pool"
        case workerThreads = "worker_threads"
    }

    var text: String {
        var lines = [machine, "load average (1, 5, 15 min): \(loadBefore) before, \(loadAfter) after; "
                     + "\(workersPerPool) worker(s) per pool × \(workerThreads) thread(s)", ""]
        var summary = [["shape", "rows", "run", "wall s", "producer CPU s", "CPU µs/row", "× plaintext CPU",
                        "labels = plaintext", "verified", "worker CPU s", "verifier CPU s"]]
        for result in results {
            var ratio = f(result.ratioToPlaintext, 3)
            if result.run == Self.defaultMode { ratio += result.ratioToPlaintext <= Self.target ? " ✓" : " ✗" }
            summary.append([result.shape, String(result.rows), result.run, f(result.wallSeconds, 1), f(result.cpuSeconds, 2),
                            f(result.microsecondsPerRow, 1), result.run == "plaintext" ? "1" : ratio,
                            result.labelAgreement.map { f(100 * $0, 2) + " %" } ?? "", result.verified ?? "",
                            result.workerCPUSeconds.map { f($0, 1) } ?? "", result.verifierCPUSeconds.map { f($0, 1) } ?? ""])
        }
        lines.append(MarkdownTable.render(summary))
        lines.append("")
        lines.append("producer CPU: user + system of the `infer` or `submit` process (rusage); × plaintext CPU: over `infer`'s on the same rows and model.")
        lines.append("Target: the whole submit ≤ \(Int(Self.target * 100)) % of plaintext CPU in the default (\(Self.defaultMode)) mode.")
        for shape in uniqueShapes {
            let secure = results.filter { $0.shape == shape && $0.profile != nil }
            guard !secure.isEmpty else { continue }
            lines.append("")
            lines.append("Breakdown of the producer's CPU, \(shape) (SECURENETS_PROFILE=1; % of plaintext CPU):")
            lines.append("")
            var table = [["phase"] + secure.flatMap { ["\($0.run) CPU s", "\($0.run) % plaintext"] } + ["what"]]
            for phase in secure[0].profile!.phases {
                let cells = secure.flatMap { result -> [String] in
                    let cpu = result.profile!.cpuSeconds(phase.name)
                    return [f(cpu, 3), f(100 * cpu / result.baselineCPUSeconds, 2)]
                }
                table.append([phase.name] + cells + [phase.meaning])
            }
            table.append(["total (profile)"] + secure.flatMap { [f($0.profile!.totalCPUSeconds, 3), f(100 * $0.profile!.totalCPUSeconds / $0.baselineCPUSeconds, 2)] } + ["the phases' sum; rusage says " + secure.map { f($0.cpuSeconds, 3) }.joined(separator: ", ")])
            table.append(["peak RSS MiB"] + secure.flatMap { [f(Double($0.profile!.maxRSSKiB) / 1024, 0), ""] } + ["the producer's maxrss"])
            lines.append(MarkdownTable.render(table))
        }
        return lines.joined(separator: "\n")
    }

    private var uniqueShapes: [String] {
        results.map(\.shape).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    private func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
