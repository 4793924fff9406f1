import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion with its output captured: what the pipeline tests and the pipeline
/// benchmark use to drive the CLI and the infra scripts.
///
/// Spawned and reaped directly (posix_spawn + wait4) rather than with Foundation's `Process`, which
/// on Linux treats a child as running until every inherited descriptor closes: a script that starts a
/// daemon (infra/local/rabbitmq start) would never be seen to finish.
public enum ChildCommand {
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public let wallSeconds: Double
        /// User + system CPU time of the child.
        public let cpuSeconds: Double
    }

    /// Why a command could not be run to the end.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable` with `arguments` and this process's environment overlaid with `environment`;
    /// stdin is /dev/null. A command still running after `timeout` seconds is killed and reported.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           timeout: TimeInterval) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        let start = ContinuousClock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable.path): errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        let deadline = start + .milliseconds(Int64(timeout * 1000))
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                wait4(pid, &status, 0, &usage)
                throw Failure(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) "
                              + "did not finish within \(Int(timeout)) s")
            }
            usleep(5_000)
        }
        let elapsed = ContinuousClock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", wallSeconds: wall, cpuSeconds: cpu)
    }
}
