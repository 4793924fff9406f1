import Foundation
import SecureNets
import SecureNetsServices

/// A verifier and workers as real release processes in a fresh RabbitMQ vhost and SECURENETS_HOME,
/// each connecting as its least-privilege role user (the pipeline tests' `PipelineCluster`, for the
/// benchmark). `shutdown` stops every process it started and deletes the vhost.
final class BenchCluster {
    let binaries: URL
    let work: URL
    let vhost: String
    let verifierID: String
    private var verifier: ServiceProcess?
    private var workers: [ServiceProcess] = []
    private var workerCount = 0
    private var vhostCreated = false

    static let baseAMQP = ProcessInfo.processInfo.environment["SECURENETS_AMQP_URL"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "amqp://securenets:securenets@127.0.0.1:5672/securenets"
    static let databaseURL = ProcessInfo.processInfo.environment["SECURENETS_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "postgresql://securenets:securenets@127.0.0.1:5432/securenets"

    init(binaries: URL, work: URL) throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        self.binaries = binaries
        self.work = work
        vhost = "securenets-bench-\(suffix)"
        verifierID = "verifier-bench-\(suffix)"
        let created = try Spawn.run(URL(fileURLWithPath: PipelineBenchmark.repositoryFile("infra/local/rabbitmq")),
                                    ["vhost-add", vhost])
        guard created.status == 0 else {
            throw BenchError("cannot create vhost \(vhost) (is the broker up? run infra/local/up): \(created.stderr)")
        }
        vhostCreated = true
        log("vhost \(vhost)")
    }

    /// Each process connects as its own role, as a deployment should; the masked-mode pools' workers
    /// as their pool's user.
    var environment: [String: String] {
        ["SECURENETS_PRODUCER_AMQP_URL": url(user: "securenets-producer"),
         "SECURENETS_WORKER_AMQP_URL": url(user: "securenets-worker"),
         "SECURENETS_WORKER_DATA_AMQP_URL": url(user: "securenets-worker-data"),
         "SECURENETS_WORKER_MASK_AMQP_URL": url(user: "securenets-worker-mask"),
         "SECURENETS_VERIFIER_AMQP_URL": url(user: "securenets-verifier"),
         "SECURENETS_AMQP_URL": "",
         "SECURENETS_DATABASE_URL": BenchCluster.databaseURL,
         "SECURENETS_HOME": home.path, "SECURENETS_LOG_LEVEL": "info"]
    }

    /// The bench's own SECURENETS_HOME: keys the verifier and the producer share.
    var home: URL { work.appendingPathComponent("home") }

    /// The local keys under `home`, as `securenets submit` and `securenets-verifier` find them.
    var keyring: LocalKeyring { LocalKeyring(directory: home.appendingPathComponent("keys")) }

    /// The base URL's host and port with this vhost and `user` (password = user name, as
    /// infra/local/rabbitmq provisions the role users).
    func url(user: String) -> String {
        "amqp://\(user):\(user)@\(hostPort)/\(vhost)"
    }

    /// The base URL as given (the application user, who may configure and read everything in the
    /// vhost), moved to this vhost: the capacity bench's own connections.
    var applicationURL: String {
        let afterScheme = BenchCluster.baseAMQP.components(separatedBy: "://").last ?? ""
        let userInfo = afterScheme.split(separator: "@").dropLast().joined(separator: "@")
        return "amqp://\(userInfo)@\(hostPort)/\(vhost)"
    }

    private var hostPort: String {
        let afterScheme = BenchCluster.baseAMQP.components(separatedBy: "://").last ?? ""
        return afterScheme.split(separator: "@").last?.split(separator: "/").first.map(String.init) ?? "127.0.0.1:5672"
    }

    func startVerifier() throws {
        let process = try ServiceProcess(name: "verifier", executable: binaries.appendingPathComponent("securenets-verifier"),
                                         arguments: ["serve", "--id", verifierID], environment: environment,
                                         logDirectory: work.appendingPathComponent("logs"))
        verifier = process
        try process.waitForLog("verifier ready")
    }

    /// The running verifier's process id.
    var verifierPID: Int32? { verifier?.process.processIdentifier }

    func stopVerifier() {
        verifier?.stop()
        verifier = nil
    }

    /// The configuration's workers; in masked mode as many per pool, each with `--pool` (and so its
    /// pool's broker user, from `environment`).
    func startWorkers(_ configuration: WorkerConfiguration) throws {
        for _ in 0..<configuration.workers {
            for pool in configuration.pools {
                workerCount += 1
                let id = "bench-w\(workerCount)-\(configuration)" + (pool.map { "-\($0)" } ?? "")
                let process = try ServiceProcess(name: id, executable: binaries.appendingPathComponent("securenets-worker"),
                                                 arguments: ["--id", id, "--threads", String(configuration.threads)]
                                                     + (pool.map { ["--pool", $0.rawValue] } ?? []),
                                                 environment: environment, logDirectory: work.appendingPathComponent("logs"))
                workers.append(process)
            }
        }
        for worker in workers { try worker.waitForLog("worker ready") }
    }

    func stopWorkers() {
        for worker in workers { worker.stop() }
        workers = []
    }

    /// CPU seconds (user + system) the verifier and the running workers have used so far.
    func serviceCPUSeconds() -> (verifier: Double, workers: Double) {
        (verifier.map { $0.cpuSeconds } ?? 0, workers.reduce(0) { $0 + $1.cpuSeconds })
    }

    /// Runs `securenets submit` to the end; its wall time and CPU time are the job's and the producer's.
    func submit(model: URL, input: URL, batch: Int, maxMessageMb: Int, privacy: PrivacyMode, timeout: Double) throws -> SubmittedJob {
        let output = work.appendingPathComponent("outputs.npy")
        let result = try Spawn.run(binaries.appendingPathComponent("securenets"),
                                   ["submit", "--model", model.path, "--input", input.path, "--output", output.path,
                                    "--batch-size", String(batch), "--max-message-mb", String(maxMessageMb),
                                    "--precision", "exact", "--privacy", privacy.rawValue, "--timeout", String(Int(timeout))],
                                   environment: environment, timeout: timeout + 30)
        guard result.status == 0,
              let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("job ") }) else {
            throw BenchError("securenets submit failed (status \(result.status)): \(result.stdout)\n\(result.stderr)\n\(diagnostics())")
        }
        let id = String(line.dropFirst(4).prefix(while: { $0 != ":" }))
        return SubmittedJob(id: id, wallSeconds: result.wallSeconds, cpuSeconds: result.cpuSeconds)
    }

    func diagnostics() -> String {
        ([verifier].compactMap { $0 } + workers).map { process in
            "--- \(process.name)\n" + process.log.split(separator: "\n").suffix(10).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func shutdown() {
        stopWorkers()
        stopVerifier()
        if vhostCreated {
            _ = try? Spawn.run(URL(fileURLWithPath: PipelineBenchmark.repositoryFile("infra/local/rabbitmq")),
                               ["vhost-delete", vhost])
            vhostCreated = false
            log("deleted vhost \(vhost)")
        }
    }
}

struct SubmittedJob {
    let id: String
    let wallSeconds: Double
    let cpuSeconds: Double
}

/// A long-running service (verifier, worker) with its output in a log file.
final class ServiceProcess {
    let name: String
    let process = Process()
    let logURL: URL

    init(name: String, executable: URL, arguments: [String], environment: [String: String], logDirectory: URL) throws {
        self.name = name
        logURL = logDirectory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func waitForLog(_ text: String, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return }
            guard process.isRunning else { throw BenchError("\(name) exited:\n\(log.suffix(2000))") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BenchError("\(name) did not log '\(text)' within \(Int(timeout)) s:\n\(log.suffix(2000))")
    }

    /// CPU seconds (user + system) the process has used so far.
    var cpuSeconds: Double { ProcessCPU.seconds(pid: process.processIdentifier) }

    /// SIGTERM (a worker finishes or returns its job), then SIGKILL if it does not stop in time.
    func stop(timeout: TimeInterval = 20) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The bench's commands, run to completion by `ChildCommand` (shared with the pipeline tests).
enum Spawn {
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double = 600) throws -> ChildCommand.Result {
        try ChildCommand.run(executable, arguments, environment: environment, timeout: timeout)
    }

    /// The rows of a query against the audit database, fields split (psql, so that the bench needs no
    /// database library); `what` names the query in the error.
    static func psql(_ query: String, what: String) throws -> [[String]] {
        let result = try run(URL(fileURLWithPath: "/usr/bin/env"), ["psql", "-X", "-A", "-t", "-F", "|", BenchCluster.databaseURL, "-c", query])
        guard result.status == 0 else { throw BenchError("cannot read \(what): \(result.stderr)") }
        return result.stdout.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Runs a helper and fails with its stderr if it fails.
    static func checked(_ executable: URL, _ arguments: [String]) throws {
        let result = try run(executable, arguments)
        guard result.status == 0 else {
            throw BenchError("\(arguments.prefix(2).joined(separator: " ")) failed (status \(result.status)): \(result.stderr)")
        }
    }
}

/// The job's audit rows, summed.
struct AuditSums {
    let rows: Int
    let passed: Int
    let workerComputeSeconds: Double
    let verifySeconds: Double

    init(job: String) throws {
        guard !job.isEmpty, job.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw BenchError("odd job id '\(job)'") }
        let query = """
            SELECT count(*), count(*) FILTER (WHERE verdict = 'passed'), coalesce(sum(worker_compute_ms), 0), \
            coalesce(sum(verify_ms), 0) FROM verification_audit WHERE job_id = '\(job)'
            """
        let fields = try Spawn.psql(query, what: "the audit rows of job \(job)").first ?? []
        guard fields.count == 4, let rows = Int(fields[0]), let passed = Int(fields[1]),
              let compute = Double(fields[2]), let verify = Double(fields[3]) else {
            throw BenchError("cannot read the audit rows of job \(job): \(fields)")
        }
        self.rows = rows
        self.passed = passed
        workerComputeSeconds = compute / 1000
        verifySeconds = verify / 1000
    }
}
