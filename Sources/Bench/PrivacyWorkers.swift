import Foundation
import SecureNets

/// The workers a privacy mode needs, started in a `BenchCluster`'s vhost as release processes: masked
/// mode one set per pool (`--pool data` as broker user securenets-worker-data, `--pool mask` as
/// securenets-worker-mask), blinded mode one set without `--pool` (securenets-worker). `stop` ends them.
final class PrivacyWorkers {
    private(set) var processes: [ServiceProcess] = []

    /// `perPool` workers per masked-mode pool; in blinded mode as many in all as masked mode would run
    /// (2 × `perPool`), so that both modes have the same number of worker processes.
    init(privacy: PrivacyMode, perPool: Int, threads: Int, cluster: BenchCluster, tag: String) throws {
        let pools: [String?] = privacy == .masked ? ["data", "mask"] : [nil, nil]
        for pool in pools {
            for _ in 0..<perPool {
                let id = "bench-\(tag)-\(pool ?? "worker")-\(processes.count + 1)"
                var arguments = ["--id", id, "--threads", String(threads)]
                var environment = cluster.environment
                if let pool {
                    arguments += ["--pool", pool]
                    environment["SECURENETS_WORKER_\(pool.uppercased())_AMQP_URL"] = Self.url(of: cluster, user: "securenets-worker-\(pool)")
                }
                processes.append(try ServiceProcess(name: id, executable: cluster.binaries.appendingPathComponent("securenets-worker"),
                                                    arguments: arguments, environment: environment,
                                                    logDirectory: cluster.work.appendingPathComponent("logs")))
            }
        }
        do {
            for process in processes { try process.waitForLog("worker ready") }
        } catch {
            stop()
            throw error
        }
    }

    /// The cluster's worker URL with another role user (password = user name, as infra/local/rabbitmq
    /// creates them).
    static func url(of cluster: BenchCluster, user: String) -> String {
        let worker = cluster.environment["SECURENETS_WORKER_AMQP_URL"] ?? ""
        return worker.replacingOccurrences(of: "//securenets-worker:securenets-worker@", with: "//\(user):\(user)@")
    }

    /// CPU seconds (user + system) the workers have used so far.
    var cpuSeconds: Double { processes.reduce(0) { $0 + $1.cpuSeconds } }

    func stop() {
        for process in processes { process.stop() }
        processes = []
    }
}
