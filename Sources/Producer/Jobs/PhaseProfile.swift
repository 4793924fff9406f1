import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the producer's CPU and wall time go, by phase, when `SECURENETS_PROFILE=1`: `submit` and
/// `collect` then print one `profile:` line per phase to standard error at the end (what
/// `securenets-bench user-cost` reads). Off by default, when `measure` costs one branch.
///
/// Attribution is exclusive: a phase entered inside another pauses the outer one, and time outside any
/// measured call goes to `other`, so the phases add up to the process's CPU time (which the last line
/// states, from `getrusage`). Each switch reads the process CPU clock (all threads), a system call of
/// well under a microsecond; phases are measured per batch and layer, never per row, so profiling
/// changes what it measures by far less than it reports.
final class PhaseProfile {
    /// The phases, in the order the report lists them. The raw value is the report's key.
    enum Phase: String, CaseIterable {
        case startup, fingerprints, model, input, protect, hashing, signing, publishing, waiting, replies,
             unprotect, journal, output, other

        var meaning: String {
            switch self {
            case .startup: "start-up: process, ONNX import, input check, keys, broker connections"
            case .fingerprints: "SHA-256 of the model and input files (the journal's record of them)"
            case .model: "model protection (quantization or blinding), encoding and publishing"
            case .input: "reading input rows"
            case .protect: "masking (quantize + PRG) or blinding a batch"
            case .hashing: "SHA-256 of job inputs and of verified replies' products or outputs"
            case .signing: "manifests encoded and signed"
            case .publishing: "frames encoded and published with confirms"
            case .waiting: "waiting for and receiving replies"
            case .replies: "reply frames decoded, signatures checked, acks"
            case .unprotect: "unmasking or unblinding, bias and activation"
            case .journal: "journal events and files, written and synced"
            case .output: "outputs and labels written"
            case .other: "everything else (scheduling, progress)"
            }
        }
    }

    /// The process's one profile: the producer is one job per process.
    nonisolated(unsafe) static let shared = PhaseProfile(enabled: ProcessInfo.processInfo.environment["SECURENETS_PROFILE"] == "1")

    let enabled: Bool
    private var cpu = [Double](repeating: 0, count: Phase.allCases.count)
    private var wall = [Double](repeating: 0, count: Phase.allCases.count)
    private var calls = [Int](repeating: 0, count: Phase.allCases.count)
    /// Until the first measured call, time (from the process's start) is start-up.
    private var current = Phase.startup
    private var stampCPU = 0.0
    private var stampWall: Double

    init(enabled: Bool) {
        self.enabled = enabled
        stampWall = PhaseProfile.wallClock()
    }

    /// Runs `body`, charging its time to `phase` (minus phases measured inside it).
    @inline(__always)
    func measure<T>(_ phase: Phase, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let outer = switchTo(phase)
        calls[phase.index] += 1
        defer { _ = switchTo(outer) }
        return try body()
    }

    /// Makes `phase` current from now on (the runner's loop: `other`).
    func enter(_ phase: Phase) {
        guard enabled else { return }
        _ = switchTo(phase)
    }

    /// Charges the time since the last switch to the current phase and makes `phase` current.
    private func switchTo(_ phase: Phase) -> Phase {
        let (nowCPU, nowWall) = (PhaseProfile.processCPU(), PhaseProfile.wallClock())
        cpu[current.index] += nowCPU - stampCPU
        wall[current.index] += nowWall - stampWall
        (stampCPU, stampWall) = (nowCPU, nowWall)
        defer { current = phase }
        return current
    }

    /// One `profile: <phase> cpu=<s> wall=<s> calls=<n>` line per phase, then the total and rusage's.
    func report() -> String {
        _ = switchTo(current)
        var lines = Phase.allCases.map { phase in
            "profile: \(phase.rawValue) cpu=\(seconds(cpu[phase.index])) wall=\(seconds(wall[phase.index])) "
                + "calls=\(calls[phase.index])  # \(phase.meaning)"
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let rusageCPU = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        lines.append("profile: total cpu=\(seconds(cpu.reduce(0, +))) wall=\(seconds(wall.reduce(0, +))) "
                     + "rusage_cpu=\(seconds(rusageCPU)) max_rss_kib=\(usage.ru_maxrss)")
        return lines.joined(separator: "\n")
    }

    private func seconds(_ value: Double) -> String { String(format: "%.4f", value) }

    /// Prints the report to standard error when profiling is on.
    func printIfEnabled() {
        guard enabled else { return }
        FileHandle.standardError.write(Data((report() + "\n").utf8))
    }

    private static func processCPU() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    private static func wallClock() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}

private extension PhaseProfile.Phase {
    var index: Int { PhaseProfile.Phase.allCases.firstIndex(of: self)! }
}
