import ArgumentParser
import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices
import ServiceLifecycle

/// `securenets-worker`: one process of the untrusted compute pool.
public struct WorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securenets-worker",
        abstract: "Compute protected network layers for SecureNets jobs (holds no secret).",
        discussion: """
        Consumes jobs from the broker, fetches each model once from the models stream into a \
        memory-bounded cache, computes with OpenBLAS and publishes the result for the verifier. Start as \
        many as you like, on any machine that reaches the broker:

          export SECURENETS_AMQP_URL=amqp://user:pass@broker-host:5672/securenets
          securenets-worker --pool data --id gpu-7

        Masked mode (the default of `securenets submit`) needs two pools of workers run by parties that \
        do not collude, e.g. two cloud providers. Each pool has its own queue and broker user:

          securenets-worker --pool data   # securenets.jobs.data, user securenets-worker-data
          securenets-worker --pool mask   # securenets.jobs.mask, user securenets-worker-mask

        A data-pool worker sees only one-time-padded inputs, a mask-pool worker only the pads' seeds; \
        one that could read both could unmask the data, so a worker serves one pool, never both. \
        Without --pool the worker serves blinded-mode jobs (securenets.jobs, user securenets-worker).

        SIGTERM or SIGINT finishes (or returns) the job in flight, then exits 0.
        """
    )

    @Option(help: "Masked-mode pool to serve: data or mask (default: none, blinded-mode jobs).")
    var pool: MaskedPool?

    @Option(help: "Name recorded in the audit log (default: host-pid).")
    var id: String?

    @Option(help: ArgumentHelp("Unacked jobs the broker may deliver at once. With 2, the next job is computed while the previous result awaits the broker's confirm; 1 handles one job at a time (fairer spread over many workers, slower)."))
    var prefetch = 2

    @Option(help: "OpenBLAS threads (0 = OpenBLAS default).")
    var threads = 0

    @Option(help: "Memory for cached blinded models, in MiB.")
    var modelCacheMb = 1024

    @Option(help: "Broker URL; repeat it (or separate URLs with commas) for the nodes of a cluster, tried in turn when one fails (default: $SECURENETS_WORKER_DATA_AMQP_URL or $SECURENETS_WORKER_MASK_AMQP_URL with --pool, then $SECURENETS_WORKER_AMQP_URL, $SECURENETS_AMQP_URL, or the local broker as user securenets-worker, securenets-worker-data or securenets-worker-mask).")
    var amqpURL: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    public init() {}

    /// `<host>-<pid>`, with anything but `[A-Za-z0-9._-]` in the host name replaced, so the verifier
    /// accepts it as a worker id.
    static func defaultID() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40).map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character)) ? character : "-"
        }
        return "\(String(host))-\(getpid())"
    }

    public func validate() throws {
        guard prefetch >= 1 else { throw ValidationError("--prefetch must be at least 1") }
        guard modelCacheMb >= 1 else { throw ValidationError("--model-cache-mb must be at least 1") }
        if let id, id.isEmpty || id.utf8.count > WorkerMetadata.maxWorkerIDLength
            || id.utf8.contains(where: { !(UInt8(ascii: "a")...UInt8(ascii: "z") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "Z") ~= $0
                                          || UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || "-_.".utf8.contains($0)) }) {
            throw ValidationError("--id may use ASCII letters, digits, '-', '_' and '.', up to \(WorkerMetadata.maxWorkerIDLength) characters")
        }
    }

    public func run() async throws {
        ServiceEnvironment.bootstrapLogging(level: logLevel)
        BLAS.setThreadCount(threads)
        let logger = Logger(label: "securenets.worker")
        let urls = try ServiceEnvironment.amqpURLs(for: pool.map(ServiceEnvironment.Role.init(workerPool:)) ?? .worker, flags: amqpURL)
        let workerID = id ?? WorkerCommand.defaultID()
        let loop = WorkerLoop(configuration: WorkerConfiguration(workerID: workerID, amqpURLs: urls, prefetch: prefetch,
                                                                 modelCacheBytes: modelCacheMb << 20, pool: pool),
                              logger: logger)
        let service = BlockingLoopService(name: "worker") { stop in try loop.run(until: stop) }
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}

extension MaskedPool: ExpressibleByArgument {}
