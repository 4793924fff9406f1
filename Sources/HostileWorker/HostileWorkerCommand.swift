import ArgumentParser
import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// `securenets-hostile-worker`: a worker that speaks the real protocol and misbehaves in one chosen way.
/// A test tool, not a product: the pipeline tests and `make chaos` run it beside honest workers to show
/// that no worker can stall a job, stop the verifier or change a number.
@main
struct HostileWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securenets-hostile-worker",
        abstract: "A misbehaving worker for tests and chaos runs (never deploy it).",
        discussion: "Modes: " + HostileMode.allCases.map(\.rawValue).joined(separator: ", ")
    )

    @Option(help: "How to misbehave.")
    var mode: HostileMode

    @Option(help: "Masked-mode pool to play in (data or mask); its modes: \(HostileMode.maskedModes.map(\.rawValue).joined(separator: ", ")).")
    var pool: MaskedPool?

    @Option(help: "Worker id it reports.")
    var id = "hostile"

    @Option(help: "Stop after this many jobs (0: never).")
    var maxJobs = 0

    @Option(help: "Jobs it takes ahead (hold mode keeps this many).")
    var prefetch = 1

    @Option(help: "Seconds a straggler waits before answering.")
    var delay: Double = 20

    @Option(help: "Broker URL; repeat it (or separate URLs with commas) for the nodes of a cluster: it connects to the first that answers (default: $SECURENETS_WORKER_AMQP_URL, $SECURENETS_AMQP_URL, or the local broker).")
    var amqpURL: [String] = []

    func validate() throws {
        if pool == nil, [.alteredProduct, .wrongLayer].contains(mode) {
            throw ValidationError("--mode \(mode.rawValue) is a masked-mode attack: give --pool data or --pool mask")
        }
        if pool != nil, !HostileMode.maskedModes.contains(mode) {
            throw ValidationError("--mode \(mode.rawValue) has no masked-mode form; with --pool use one of \(HostileMode.maskedModes.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        ServiceEnvironment.bootstrapLogging(level: "info")
        let logger = Logger(label: "securenets.hostile")
        let urls = try ServiceEnvironment.amqpURLs(for: pool.map(ServiceEnvironment.Role.init(workerPool:)) ?? .worker, flags: amqpURL)
        let stop = StopSignal()
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM)
        source.setEventHandler { stop.raise() }
        source.resume()
        if let pool {
            try MaskedHostileWorker(mode: mode, pool: pool, id: id, delay: delay, urls: urls, logger: logger)
                .run(maxJobs: maxJobs, prefetch: prefetch, stop: stop)
        } else {
            try HostileWorker(mode: mode, id: id, delay: delay, urls: urls, logger: logger).run(maxJobs: maxJobs, prefetch: prefetch, stop: stop)
        }
    }
}

extension MaskedPool: ExpressibleByArgument {}
