import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging

/// A verifier and workers as real processes against the real broker and database, isolated in a
/// fresh RabbitMQ vhost and a fresh SECURENETS_HOME, so each test reads like usage:
///
///     let cluster = try PipelineCluster(name: "e2e", workers: 3)
///     defer { cluster.shutdown() }
///     let job = try cluster.submit(batchSize: 40)
final class PipelineCluster: @unchecked Sendable {
    let name: String
    let vhost: String
    let home: URL
    let logs: URL
    let verifierID: String
    private(set) var verifier: ChildProcess?
    private(set) var workers: [ChildProcess] = []

    static let baseAMQP = ProcessInfo.processInfo.environment["SECURENETS_AMQP_URL"]
        ?? "amqp://securenets:securenets@127.0.0.1:5672/securenets"
    static let databaseURL = ProcessInfo.processInfo.environment["SECURENETS_DATABASE_URL"]
        ?? "postgresql://securenets:securenets@127.0.0.1:5432/securenets"

    /// The vhost as the administrative user (`securenets`), for the harness's own inspection (on a
    /// replicated broker, every node's URL, comma-separated).
    var amqpURLString: String { url(user: nil) }
    /// The first of ``amqpURLString``'s URLs.
    var amqpURL: AMQPURL { try! AMQPURLList(amqpURLString).first }

    /// The vhost as one of the least-privilege role users (`securenets-worker`, …), on the first node.
    func url(role: String) -> AMQPURL { try! AMQPURLList(url(user: "securenets-\(role)")).first }

    /// A replicated broker of the test's own instead of the shared single one.
    let broker: BrokerCluster?

    private func url(user: String?) -> String {
        let base = try! AMQPURL(PipelineCluster.baseAMQP)
        if let broker {
            return broker.urls(user: user ?? base.user, password: user ?? base.password, vhost: vhost)
        }
        if tls {
            return TLSEndpoints.amqps(user: user ?? base.user, password: user ?? base.password, vhost: vhost)
        }
        let credentials = user.map { "\($0):\($0)" } ?? "\(base.user):\(base.password)"
        return "amqp://\(credentials)@\(base.host):\(base.port)/\(vhost)"
    }

    /// Every process reaches the broker over amqps:// and the verifier's database with sslmode=verify-full.
    let tls: Bool
    var databaseURL: String { tls ? TLSEndpoints.database : PipelineCluster.databaseURL }

    /// Each process connects as its own role, exactly as a deployment should.
    var environment: [String: String] {
        ["SECURENETS_PRODUCER_AMQP_URL": url(user: "securenets-producer"),
         "SECURENETS_WORKER_AMQP_URL": url(user: "securenets-worker"),
         "SECURENETS_VERIFIER_AMQP_URL": url(user: "securenets-verifier"),
         "SECURENETS_AMQP_URL": "",
         "SECURENETS_DATABASE_URL": databaseURL,
         "SECURENETS_HOME": home.path, "SECURENETS_LOG_LEVEL": logLevel]
    }

    let logLevel: String

    /// - Parameter prepare: runs on the new vhost, as the administrative user, before any process starts.
    init(name: String, workers workerCount: Int, verifierArguments: [String] = [], logLevel: String = "info",
         tls: Bool = false, broker: BrokerCluster? = nil, prepare: (AMQPURL) throws -> Void = { _ in }) throws {
        self.logLevel = logLevel
        self.tls = tls
        self.broker = broker
        let suffix = UUID().uuidString.prefix(8).lowercased()
        self.name = name
        vhost = "securenets-test-\(name)-\(suffix)"
        verifierID = "verifier-\(name)-\(suffix)"
        home = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-\(name)-\(suffix)")
        logs = home.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let created = try broker?.run(["vhost-add", vhost])
            ?? runCommand(RepositoryPaths.root.appendingPathComponent("infra/local/rabbitmq"), ["vhost-add", vhost])
        guard created.status == 0 else {
            throw HarnessError("cannot create vhost \(vhost) (is the broker up? run infra/local/up): \(created.stderr)")
        }
        try prepare(amqpURL)
        try startVerifier(arguments: verifierArguments)
        for index in 0..<workerCount { try startWorker(id: "\(name)-w\(index + 1)-\(suffix)") }
    }

    func startVerifier(arguments: [String] = []) throws {
        verifier = try ChildProcess(name: "verifier", executable: RepositoryPaths.binary("securenets-verifier"),
                                    arguments: ["serve", "--id", verifierID] + arguments,
                                    environment: environment, logDirectory: logs)
    }

    @discardableResult
    func startWorker(id: String, arguments: [String] = []) throws -> ChildProcess {
        let worker = try ChildProcess(name: id, executable: RepositoryPaths.binary("securenets-worker"),
                                      arguments: ["--id", id, "--threads", "1"] + arguments,
                                      environment: environment, logDirectory: logs)
        workers.append(worker)
        return worker
    }

    /// Starts one masked-mode worker per pool (`--pool data`, `--pool mask`), each as its pool's broker user.
    @discardableResult
    func startPools(_ pools: [String] = ["data", "mask"], suffix: String = "") throws -> [ChildProcess] {
        try pools.map { pool in
            let worker = try ChildProcess(name: "\(pool)\(suffix)", executable: RepositoryPaths.binary("securenets-worker"),
                                          arguments: ["--pool", pool, "--id", "\(name)-\(pool)\(suffix)", "--threads", "1"],
                                          environment: environment(pool: pool), logDirectory: logs)
            workers.append(worker)
            return worker
        }
    }

    /// The environment of a worker of masked-mode pool `pool`: its own broker user.
    func environment(pool: String) -> [String: String] {
        var environment = environment
        environment["SECURENETS_WORKER_\(pool.uppercased())_AMQP_URL"] = url(user: "securenets-worker-\(pool)")
        return environment
    }

    /// Starts `securenets-hostile-worker --mode MODE` as the worker role, or with `pool` as that pool's
    /// worker (`--pool`, its broker user).
    @discardableResult
    func startHostileWorker(mode: String, pool: String? = nil, arguments: [String] = []) throws -> ChildProcess {
        let worker = try ChildProcess(name: "hostile-\(mode)", executable: RepositoryPaths.binary("securenets-hostile-worker"),
                                      arguments: ["--mode", mode, "--id", "hostile"] + (pool.map { ["--pool", $0] } ?? []) + arguments,
                                      environment: pool.map(environment(pool:)) ?? environment, logDirectory: logs)
        workers.append(worker)
        return worker
    }

    /// Waits until the verifier has declared the queues (workers never declare them).
    func waitForTopology() throws {
        try waitUntil("the verifier to declare the topology") { verifier?.log.contains("verifier ready") == true }
    }

    /// Runs `securenets` with this cluster's environment.
    func securenets(_ arguments: [String], timeout: TimeInterval = 300) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(RepositoryPaths.binary("securenets"), arguments, environment: environment, timeout: timeout)
    }

    /// Submits the bundled sample (or `model` and `input`) and returns the job id and output paths.
    /// Runs `securenets submit` on the sample (or `model`, `input`) in `privacy` mode: blinded by default,
    /// since the cluster's plain workers serve blinded-mode jobs (`startPools` for masked mode). With a
    /// `window` of 16 batches (every batch of the sample at once, whatever workers exist yet, which many
    /// tests rely on); nil leaves the producer's automatic window.
    func submit(model: URL = RepositoryPaths.sampleModel, input: URL = RepositoryPaths.sampleInputs, batchSize: Int,
                privacy: String = "blinded", window: Int? = 16, extra: [String] = [],
                timeout: TimeInterval = 240) throws -> SubmittedJob {
        let outputs = home.appendingPathComponent("outputs-\(UUID().uuidString.prefix(6)).npy")
        let labels = home.appendingPathComponent("labels-\(UUID().uuidString.prefix(6)).npy")
        let result = try securenets(["submit", "--model", model.path, "--input", input.path,
                                     "--output", outputs.path, "--labels", labels.path,
                                     "--batch-size", String(batchSize), "--timeout", "120", "--privacy", privacy]
                                     + (window.map { ["--window", String($0)] } ?? []) + extra,
                                    timeout: timeout)
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("job ") }) else {
            throw HarnessError("submit printed no summary (status \(result.status)): \(result.stderr)\n\(diagnostics())")
        }
        let jobID = String(line.dropFirst(4).prefix(while: { $0 != ":" }))
        return SubmittedJob(id: jobID, status: result.status, stdout: result.stdout, stderr: result.stderr,
                            outputs: outputs, labels: labels)
    }

    /// The audit rows of a job, oldest first.
    func auditRows(job: String) throws -> [AuditRecord] {
        let connection = try PostgresConnection(url: PipelineCluster.databaseURL)
        defer { connection.close() }
        return try AuditStore(connection: connection).list(AuditFilter(jobID: job, limit: 100_000)).reversed()
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func waitUntil(_ what: String, timeout: TimeInterval = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw HarnessError("timed out waiting for \(what)\n\(diagnostics())")
    }

    /// Batch segments dispatched at least once (their attempt-1 `dispatched` lines) in the journal of the
    /// only job in this home (0 before it exists).
    func publishedSegmentCount() -> Int {
        let jobs = home.appendingPathComponent("jobs")
        guard let job = (try? FileManager.default.contentsOfDirectory(atPath: jobs.path))?.first,
              let events = try? String(contentsOf: jobs.appendingPathComponent("\(job)/events.log"), encoding: .utf8)
        else { return 0 }
        // First dispatches: `dispatched <batch> <segment> 1 <digest> <check>`.
        return events.split(separator: "\n").filter { line in
            let fields = line.split(separator: " ")
            return fields.first == "dispatched" && fields.count > 3 && fields[3] == "1"
        }.count
    }

    /// The tail of every service log, for failure messages.
    func diagnostics() -> String {
        ([verifier].compactMap { $0 } + workers).map { process in
            "--- \(process.name) (running: \(process.isRunning))\n" + process.log.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func shutdown() {
        for worker in workers { worker.stop() }
        verifier?.stop()
        if let broker {
            _ = try? broker.run(["vhost-delete", vhost])
        } else {
            _ = try? runCommand(RepositoryPaths.root.appendingPathComponent("infra/local/rabbitmq"), ["vhost-delete", vhost])
        }
    }
}

struct SubmittedJob {
    let id: String
    let status: Int32
    let stdout: String
    let stderr: String
    let outputs: URL
    let labels: URL
}
