import Foundation

/// The exclusive lock on one job: held from when a `submit` or `collect` opens the job's journal
/// until that process ends, so that no two processes ever run (and append to) the same job.
///
/// It is a `flock` on the job's `lock` file, which also holds the holder's pid for the message a
/// second process gets. The kernel drops the lock when the holder exits, however it exits, so a
/// crashed producer never leaves a job locked.
final class JobLock {
    private let fd: Int32

    /// Takes the lock of the job `jobID` whose journal is `directory`, at once or not at all.
    ///
    /// - Throws: `JournalError` saying `job <id> is busy: another securenets process (pid N) is
    ///   running it` when another process holds it; `JournalError` when the file cannot be opened.
    init(directory: URL, jobID: String) throws {
        let url = directory.appendingPathComponent("lock")
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw PrivateFiles.failure("cannot open", url, errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = JobLock.recordedPID(fd)
            close(fd)
            guard code == EWOULDBLOCK else { throw PrivateFiles.failure("cannot lock", url, code) }
            let who = holder.map { "pid \($0)" } ?? "pid unknown"
            throw JournalError("job \(jobID) is busy: another securenets process (\(who)) is running it; wait for it to finish, or stop it and run `securenets collect \(jobID)`")
        }
        self.fd = fd
        // The pid is only for the message above; failing to record it does not matter.
        _ = fchmod(fd, 0o600)
        _ = ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }

    private static func recordedPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
