import Foundation

/// Owner-only files and directories written with every result checked: what the job journal is
/// made of. Nothing here follows a symbolic link at the last path component, and every write is
/// complete and synced or it throws.
enum PrivateFiles {
    /// Creates `url` as a directory with mode 0700 (its missing parents too, also 0700).
    ///
    /// - Parameter exclusive: fail when it already exists (a new job's directory).
    /// - Throws: `JournalError` naming the directory and the system's reason.
    static func makeDirectory(_ url: URL, exclusive: Bool) throws {
        let parent = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: parent.path) {
            try makeDirectory(parent, exclusive: false)
        }
        if mkdir(url.path, 0o700) != 0 {
            let code = errno
            guard code == EEXIST, !exclusive else { throw failure("cannot create the directory", url, code) }
            return
        }
        // mkdir's mode is masked by the umask; the journal holds secrets, so set it exactly.
        guard chmod(url.path, 0o700) == 0 else { throw failure("cannot make private", url, errno) }
    }

    /// Opens `url` for appending (O_APPEND), creating it with mode 0600 if `create`.
    ///
    /// - Throws: `JournalError` when it cannot be opened (or, with `create`, already exists).
    static func openForAppending(_ url: URL, create: Bool) throws -> Int32 {
        let flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0)
        let fd = open(url.path, flags, 0o600)
        guard fd >= 0 else { throw failure("cannot open", url, errno) }
        if create, fchmod(fd, 0o600) != 0 {
            let code = errno
            close(fd)
            throw failure("cannot make private", url, code)
        }
        return fd
    }

    /// Writes all of `data` to `fd` (looping over short writes) and syncs it to disk.
    ///
    /// - Throws: `JournalError` naming `url` when any write or the sync fails (disk full, I/O error).
    static func writeAll(_ data: Data, to fd: Int32, url: URL) throws {
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write", url, errno)
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw failure("cannot sync", url, errno) }
    }

    /// Replaces `url` with `data` atomically: written owner-only (0600) and synced under a
    /// temporary name, renamed over `url`, and the directory synced, so after a crash `url` holds
    /// either the old or the new bytes, never a part.
    ///
    /// - Throws: `JournalError` naming the file when any step fails.
    static func replace(_ url: URL, with data: Data) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot create", temporary, errno) }
        do {
            guard fchmod(fd, 0o600) == 0 else { throw failure("cannot make private", temporary, errno) }
            try writeAll(data, to: fd, url: temporary)
        } catch {
            close(fd)
            unlink(temporary.path)
            throw error
        }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw failure("cannot rename \(temporary.lastPathComponent) to", url, code)
        }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Syncs a directory, so that files created or renamed in it survive a crash.
    static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open the directory", url, errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot sync the directory", url, errno) }
    }

    static func failure(_ what: String, _ url: URL, _ code: Int32) -> JournalError {
        JournalError("\(what) \(url.path): \(String(cString: strerror(code)))")
    }
}
