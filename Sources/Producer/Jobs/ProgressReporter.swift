import Foundation

/// What `submit` and `collect` show while a job runs.
struct JobProgress: Equatable {
    var done: Int
    var failed: Int
    var total: Int
    /// Batches with a dispatch in flight.
    var pending: Int
    /// Dispatches beyond each batch segment's first (lost or failed attempts sent again).
    var redispatched: Int
    /// Why the job may be waiting, e.g. "no worker is consuming securenets.jobs"; nil when all is well.
    var warning: String?
}

/// Shows batches verified, pending, re-dispatched and failed, rows/s and ETA on standard error. On a
/// terminal it is one line redrawn in place; elsewhere (logs, pipes) a warning is printed as its own
/// line when it appears or changes, so a job never waits silently.
final class ProgressReporter {
    let rowsPerBatch: Int
    let isTerminal: Bool
    private let started = Date()
    private var startDone: Int?
    private var lastWarning: String?

    init(rowsPerBatch: Int, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.rowsPerBatch = rowsPerBatch
        self.isTerminal = isTerminal
    }

    func update(_ progress: JobProgress) {
        if progress.warning != lastWarning {
            lastWarning = progress.warning
            if let warning = progress.warning, !isTerminal {
                FileHandle.standardError.write(Data("waiting: \(warning)\n".utf8))
            }
        }
        guard isTerminal else { return }
        FileHandle.standardError.write(Data(("\r" + line(progress) + "\u{1B}[K").utf8))
    }

    /// The progress line, without terminal control characters.
    func line(_ progress: JobProgress) -> String {
        if startDone == nil { startDone = progress.done }
        let elapsed = max(Date().timeIntervalSince(started), 1e-3)
        let fresh = progress.done - (startDone ?? 0)
        let rate = Double(fresh * rowsPerBatch) / elapsed
        let remaining = progress.total - progress.done - progress.failed
        let eta = fresh > 0 ? Double(remaining) * elapsed / Double(fresh) : .nan
        let width = 30
        let filled = progress.total > 0 ? width * (progress.done + progress.failed) / progress.total : width
        var line = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        line += " \(progress.done)/\(progress.total) verified · \(progress.pending) pending"
        if progress.redispatched > 0 { line += " · \(progress.redispatched) re-dispatched" }
        if progress.failed > 0 { line += " · \(progress.failed) failed" }
        line += String(format: " · %.0f rows/s", rate)
        line += eta.isFinite ? String(format: " · ETA %.0fs", eta) : " · ETA --"
        if let warning = progress.warning { line += " · \(warning)" }
        return line
    }

    func finish() {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
