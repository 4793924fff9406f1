import Foundation

/// Finds the `migrations/` directory that holds the numbered SQL files.
///
/// Order: an explicit path; else the environment variable `SECURENETS_MIGRATIONS_DIR`; else the first
/// `migrations/` holding at least one `NNNN_name.sql` file found by walking up from the current directory,
/// then from the executable's directory (so a binary run from `.build/debug` inside a checkout finds the
/// checkout's migrations).
public enum MigrationDirectory {
    /// The environment variable that names the directory explicitly.
    public static let environmentVariable = "SECURENETS_MIGRATIONS_DIR"

    /// Locates the directory.
    ///
    /// - Parameters:
    ///   - explicitPath: a directory chosen by the caller (e.g. a `--migrations` option); wins if given.
    ///   - environment: the process environment (injectable for tests).
    ///   - currentDirectory: where the upward search starts first.
    ///   - executablePath: the running binary; the upward search starts second from its directory.
    /// - Returns: the directory's URL.
    /// - Throws: ``MigrationError`` with code `MigrationError.Code.directoryNotFound` naming the path that
    ///   does not exist, or every place that was searched.
    public static func locate(
        explicitPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = MigrationDirectory.currentExecutablePath()
    ) throws -> URL {
        if let explicitPath {
            return try existingDirectory(explicitPath, source: "the given migrations path")
        }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return try existingDirectory(fromEnvironment, source: environmentVariable)
        }
        var starts = [URL(fileURLWithPath: currentDirectory, isDirectory: true)]
        if let executablePath {
            starts.append(URL(fileURLWithPath: executablePath).deletingLastPathComponent())
        }
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent("migrations", isDirectory: true)
                if holdsMigrations(candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw MigrationError(
            code: .directoryNotFound,
            message: "no migrations/ directory with NNNN_name.sql files above \(starts.map(\.path).joined(separator: " or ")); pass the path explicitly or set \(environmentVariable)")
    }

    /// The running executable's path (`/proc/self/exe` on Linux, else the first command-line argument).
    public static func currentExecutablePath() -> String? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    private static func existingDirectory(_ path: String, source: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MigrationError(code: .directoryNotFound, message: "\(source) \(path) is not a directory")
        }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    private static func holdsMigrations(_ directory: URL) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return false }
        return names.contains { Migration.parse(fileName: $0) != nil }
    }
}
