import Foundation
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

    /// Each process connects as its own role, as a deployment should.
    var environment: [String: String] {
        func url(_ user: String) -> String {
            // amqp://user:password@host:port/vhost → the same host and port, this vhost, the role user.
            let afterScheme = BenchCluster.baseAMQP.components(separatedBy: "://").last ?? ""
            let hostPort = afterScheme.split(separator: "@").last?.split(separator: "/").first.map(String.init)
                ?? "127.0.0.1:5672"
            return "amqp://\(user):\(user)@\(hostPort)/\(vhost)"
        }
        return ["SECURENETS_PRODUCER_AMQP_URL": url("securenets-producer"),
                "SECURENETS_WORKER_AMQP_URL": url("securenets-worker"),
                "SECURENETS_VERIFIER_AMQP_URL": url("securenets-verifier"),
                "SECURENETS_AMQP_URL": "",
                "SECURENETS_DATABASE_URL": BenchCluster.databaseURL,
                "SECURENETS_HOME": work.appendingPathComponent("home").path, "SECURENETS_LOG_LEVEL": "info"]
    }

    func startVerifier() throws {
        let process = try ServiceProcess(name: "verifier", executable: binaries.appendingPathComponent("securenets-verifier"),
                                         arguments: ["serve", "--id", verifierID], environment: environment,
                                         logDirectory: work.appendingPathComponent("logs"))
        verifier = process
        try process.waitForLog("verifier ready")
    }

    func startWorkers(_ configuration: WorkerConfiguration) throws {
        for _ in 0..<configuration.workers {
            workerCount += 1
            let id = "bench-w\(workerCount)-\(configuration)"
            let process = try ServiceProcess(name: id, executable: binaries.appendingPathComponent("securenets-worker"),
                                             arguments: ["--id", id, "--threads", String(configuration.threads)],
                                             environment: environment, logDirectory: work.appendingPathComponent("logs"))
            workers.append(process)
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
    func submit(model: URL, input: URL, batch: Int, maxMessageMb: Int, timeout: Double) throws -> SubmittedJob {
        let output = work.appendingPathComponent("outputs.npy")
        let result = try Spawn.run(binaries.appendingPathComponent("securenets"),
                                   ["submit", "--model", model.path, "--input", input.path, "--output", output.path,
                                    "--batch-size", String(batch), "--max-message-mb", String(maxMessageMb),
                                    "--precision", "exact", "--privacy", "blinded", "--timeout", String(Int(timeout))],
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
        verifier?.stop()
        verifier = nil
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

    /// utime + stime from /proc/<pid>/stat (fields 14 and 15, after the parenthesised command name).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

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

    /// Runs a helper and fails with its stderr if it fails.
    static func checked(_ executable: URL, _ arguments: [String]) throws {
        let result = try run(executable, arguments)
        guard result.status == 0 else {
            throw BenchError("\(arguments.prefix(2).joined(separator: " ")) failed (status \(result.status)): \(result.stderr)")
        }
    }
}

/// The job's audit rows, summed (psql, so that the bench needs no database library).
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
        let result = try Spawn.run(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["psql", "-X", "-A", "-t", "-F", "|", BenchCluster.databaseURL, "-c", query])
        let fields = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
        guard result.status == 0, fields.count == 4, let rows = Int(fields[0]), let passed = Int(fields[1]),
              let compute = Double(fields[2]), let verify = Double(fields[3]) else {
            throw BenchError("cannot read the audit rows of job \(job): \(result.stderr)")
        }
        self.rows = rows
        self.passed = passed
        workerComputeSeconds = compute / 1000
        verifySeconds = verify / 1000
    }
}
