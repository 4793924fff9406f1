import Foundation
import SecureNetsServices

/// A service or CLI process started by a test, with its output captured to a log file.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let process = Process()
    let logURL: URL

    init(name: String, executable: URL, arguments: [String], environment: [String: String], logDirectory: URL) throws {
        self.name = name
        logURL = logDirectory.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) { if process.isRunning { kill(process.processIdentifier, signal) } }

    /// Waits for exit up to `timeout`; returns the exit status, or nil if still running.
    @discardableResult
    func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not stop in time.
    func stop(timeout: TimeInterval = 15) {
        signal(SIGTERM)
        if wait(timeout: timeout) == nil {
            signal(SIGKILL)
            wait(timeout: 5)
        }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
}

/// Runs a command to completion and returns its status and output (`ChildCommand`).
@discardableResult
func runCommand(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                timeout: TimeInterval = 300) throws -> (status: Int32, stdout: String, stderr: String) {
    let result = try ChildCommand.run(executable, arguments, environment: environment, timeout: timeout)
    return (result.status, result.stdout, result.stderr)
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
