import Foundation

/// Shows batches verified, rows/s and ETA on standard error — only when it is a terminal, so logs and
/// pipes stay clean.
final class ProgressReporter {
    let rowsPerBatch: Int
    let enabled: Bool
    private let started = Date()
    private var startDone: Int?

    init(rowsPerBatch: Int, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.rowsPerBatch = rowsPerBatch
        self.enabled = enabled
    }

    func update(done: Int, failed: Int, total: Int) {
        guard enabled else { return }
        if startDone == nil { startDone = done }
        let elapsed = max(Date().timeIntervalSince(started), 1e-3)
        let fresh = done - (startDone ?? 0)
        let rate = Double(fresh * rowsPerBatch) / elapsed
        let remaining = total - done - failed
        let eta = fresh > 0 ? Double(remaining) * elapsed / Double(fresh) : .nan
        let width = 30
        let filled = total > 0 ? width * (done + failed) / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var line = "\r\(bar) \(done)/\(total) batches verified"
        if failed > 0 { line += ", \(failed) failed" }
        line += String(format: " · %.0f rows/s", rate)
        line += eta.isFinite ? String(format: " · ETA %.0fs ", eta) : " · ETA -- "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
