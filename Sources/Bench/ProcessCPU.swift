import Foundation

/// CPU time (user + system) of processes, read from `/proc`: how the capacity and pipeline benches
/// charge work to the verifier, the broker (`beam.smp`) and the database (`postgres`) without
/// instrumenting them.
enum ProcessCPU {
    /// utime + stime of `pid` in seconds (fields 14 and 15 of `/proc/<pid>/stat`, counted after the
    /// parenthesised command name, which may itself contain spaces); 0 when the process is gone.
    static func seconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The summed CPU seconds of every process whose command name (`/proc/<pid>/comm`) is `name`.
    /// On a shared machine that includes other users of the same service, which the report says.
    static func seconds(named name: String) -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        return entries.compactMap(Int32.init).reduce(0) { total, pid in
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return comm == name ? total + seconds(pid: pid) : total
        }
    }
}
