import Foundation
import SecureNets

/// The facts a benchmark table is meaningless without: CPU, core count, BLAS build and threads.
struct MachineDescription {
    let cpuModel: String
    let cores: Int
    let blasThreads: Int
    let blas: String
    let mallocTuned: Bool

    init(blasThreads: Int, mallocTuned: Bool) {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        cpuModel = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        cores = ProcessInfo.processInfo.activeProcessorCount
        self.blasThreads = blasThreads
        blas = BLAS.configuration
        self.mallocTuned = mallocTuned
    }

    var summary: String {
        "\(cpuModel), \(cores) cores; \(blas); \(blasThreads) BLAS threads; malloc "
            + (mallocTuned ? "keeps freed memory (MallocTuning)" : "glibc defaults")
    }
}
