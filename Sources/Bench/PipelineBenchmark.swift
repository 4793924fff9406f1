import ArgumentParser
import Foundation
import SecureNets

/// `securenets-bench pipeline`: end-to-end rows/s of `securenets submit` through the real broker,
/// workers, verifier and audit database, against plaintext `securenets infer` on the same model and rows.
///
/// Everything runs as the release binaries a deployment runs, in a fresh RabbitMQ vhost (per-role users,
/// as in the pipeline tests) and a fresh SECURENETS_HOME, and is stopped and deleted at the end. Each
/// configuration (workers × threads) submits the same rows once; the time of a job is the wall time of
/// the `submit` process, from start (import, model blinding and publishing included) to outputs written.
/// Where the time goes: the producer's CPU (rusage of `submit`: import, blind, sign, publish, unblind),
/// the workers' compute and the verifier's checks (sums of `worker_compute_ms` and `verify_ms` in the
/// job's audit rows), and the rest (broker, database, queueing, waiting).
struct PipelineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Times secure inference through broker, workers and verifier against plaintext `securenets infer`.")

    @Option(help: ArgumentHelp("Write the numbers as JSON to this file.", valueName: "file"))
    var json: String?

    @Option(help: "Input rows (several batches per worker).")
    var rows = 8192

    @Option(help: "Rows per batch (lowered, and said so, if a result would not fit --max-message-mb).")
    var batchSize = 1024

    @Option(help: "The broker's message size limit in MiB (infra/local/rabbitmq: 16 unless started otherwise).")
    var maxMessageMb = 16

    @Option(help: "Network shape: layer widths joined by '-', inputs first (ReLU between, softmax at the end).")
    var shape = BenchShape(argument: "784-1024-1024-1024-10")!

    @Option(help: "Worker configurations, comma-separated, each WORKERSxTHREADS (blinded mode), masked (one worker per pool, 1 thread) or masked-WORKERSxTHREADS (per pool).")
    var configurations = CommaSeparated<WorkerConfiguration>([WorkerConfiguration(argument: "1x1")!,
                                                              WorkerConfiguration(argument: "2x1")!,
                                                              WorkerConfiguration(argument: "1x2")!,
                                                              WorkerConfiguration(argument: "masked")!])

    @Option(help: "Timed plaintext runs per thread count (the median is reported).")
    var plaintextRepeats = 3

    @Option(help: "Seed of the random weights and inputs.")
    var seed = 1

    @Option(help: "Python interpreter for scripts/bench/make_mlp_onnx.py.")
    var python = "python3"

    @Option(help: ArgumentHelp("Directory of the securenets binaries (default: this executable's).", valueName: "dir"))
    var binDir: String?

    @Option(help: "Give up on one submit after this many seconds.")
    var submitTimeout: Double = 600

    @Flag(help: "Keep the working directory (model, inputs, outputs, service logs) instead of deleting it.")
    var keep = false

    func validate() throws {
        guard rows >= 1, batchSize >= 1, maxMessageMb >= 1, plaintextRepeats >= 1 else {
            throw ValidationError("--rows, --batch-size, --max-message-mb and --plaintext-repeats must be positive")
        }
    }

    func run() throws {
        let machine = MachineDescription(blasThreads: 0, mallocTuned: false)
        let binaries = URL(fileURLWithPath: binDir ?? Self.executableDirectory)
        for name in ["securenets", "securenets-worker", "securenets-verifier"] {
            guard FileManager.default.isExecutableFile(atPath: binaries.appendingPathComponent(name).path) else {
                throw ValidationError("\(name) not found in \(binaries.path): run `swift build -c release` first")
            }
        }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-pipebench-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("logs"), withIntermediateDirectories: true)
        defer {
            if keep { log("kept \(work.path)") } else { try? FileManager.default.removeItem(at: work) }
        }

        // The batch must fit the broker: a blinded result carries the input and every pre-activation,
        // a masked data-pool result X̂ and Z_A of one layer (the same batch is run in both modes when it fits).
        let fit = BrokerFit(widths: shape.widths, maxMessageBytes: maxMessageMb << 20)
        let modes = Set(configurations.values.map(\.privacy))
        let batch = modes.map { CapacityBenchmark.largestBatch(widths: shape.widths, privacy: $0, maxMessageBytes: maxMessageMb << 20) }
            .reduce(batchSize, min)
        let batchNote = batch == batchSize ? nil
            : "batch \(batchSize) needs \(fit.resultBytes(rows: batchSize)) B per result, over the broker's \(maxMessageMb) MiB: ran batch \(batch), the largest that fits"
        if let batchNote { log(batchNote) }

        log("writing the \(shape) model and \(rows) input rows")
        let model = work.appendingPathComponent("model.onnx"), input = work.appendingPathComponent("input.npy")
        let warmupInput = work.appendingPathComponent("warmup.npy")
        try Spawn.checked(URL(fileURLWithPath: "/usr/bin/env"),
                          [python, Self.repositoryFile("scripts/bench/make_mlp_onnx.py"), "--shape", shape.description,
                           "--rows", String(rows), "--seed", String(seed), "--model", model.path, "--input", input.path])
        try Spawn.checked(URL(fileURLWithPath: "/usr/bin/env"),
                          [python, "-c", "import numpy as n; x = n.load('\(input.path)'); n.save('\(warmupInput.path)', x[:\(batch)])"])

        // Plaintext baseline: the same binary, model and rows, all cores and one core.
        var plaintext: [PlaintextResult] = []
        for threads in [0, 1] {
            var samples = Samples()
            for repeatIndex in 0...plaintextRepeats {
                let result = try Spawn.run(binaries.appendingPathComponent("securenets"),
                                           ["infer", "--model", model.path, "--input", input.path, "--output",
                                            work.appendingPathComponent("plain.npy").path, "--threads", String(threads)])
                guard result.status == 0 else { throw BenchError("securenets infer failed: \(result.stderr)") }
                if repeatIndex > 0 { samples.append(result.wallSeconds) }  // the first is a warm-up
            }
            let seconds = samples.median!
            plaintext.append(PlaintextResult(threads: threads, seconds: seconds, rowsPerSecond: Double(rows) / seconds))
            log("plaintext infer, \(threads == 0 ? "default" : String(threads)) BLAS threads: \(String(format: "%.3f", seconds)) s")
        }
        let baseline = plaintext[0]

        let cluster = try BenchCluster(binaries: binaries, work: work)
        defer { cluster.shutdown() }
        try cluster.startVerifier()

        var results: [PipelineResult] = []
        var warmed: Set<PrivacyMode> = []
        for configuration in configurations.values {
            log("pipeline: \(configuration.privacy), \(configuration.workers) worker(s)\(configuration.privacy == .masked ? " per pool" : "") × \(configuration.threads) thread(s)")
            try cluster.startWorkers(configuration)
            if warmed.insert(configuration.privacy).inserted {
                log("warm-up job (one batch)")
                _ = try cluster.submit(model: model, input: warmupInput, batch: batch, maxMessageMb: maxMessageMb,
                                       privacy: configuration.privacy, timeout: submitTimeout)
            }
            let before = cluster.serviceCPUSeconds()
            let job = try cluster.submit(model: model, input: input, batch: batch, maxMessageMb: maxMessageMb,
                                         privacy: configuration.privacy, timeout: submitTimeout)
            let after = cluster.serviceCPUSeconds()
            let audit = try AuditSums(job: job.id)
            cluster.stopWorkers()
            let batches = (rows + batch - 1) / batch
            let result = PipelineResult(
                privacy: configuration.privacy, workers: configuration.workers * configuration.pools.count,
                threads: configuration.threads, rows: rows, batch: batch, batches: batches,
                expectedRows: batches * (configuration.privacy == .masked ? 2 * (shape.widths.count - 1) : 1),
                jobID: job.id, wallSeconds: job.wallSeconds,
                rowsPerSecond: Double(rows) / job.wallSeconds,
                ratioToPlaintext: Double(rows) / job.wallSeconds / baseline.rowsPerSecond,
                producerCPUSeconds: job.cpuSeconds, workerComputeSeconds: audit.workerComputeSeconds,
                verifySeconds: audit.verifySeconds, workerCPUSeconds: after.workers - before.workers,
                verifierCPUSeconds: after.verifier - before.verifier, auditRows: audit.rows, passed: audit.passed)
            log("  \(String(format: "%.2f", job.wallSeconds)) s, \(String(format: "%.0f", result.rowsPerSecond)) rows/s, \(audit.passed)/\(audit.rows) audit rows passed")
            results.append(result)
        }

        let report = PipelineReport(machine: machine.summary.components(separatedBy: ";").prefix(2).joined(separator: ";"),
                                    shape: shape.description, rows: rows, requestedBatch: batchSize, batch: batch,
                                    batchNote: batchNote, resultBytesPerBatch: fit.resultBytes(rows: batch),
                                    maxMessageBytes: maxMessageMb << 20, plaintext: plaintext, pipeline: results)
        print(report.text)
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
            log("wrote \(json)")
        }
        if results.contains(where: { $0.passed != $0.expectedRows }) { throw BenchError("some batches were not verified") }
    }

    /// The directory of this executable (`swift run` builds every product into the same one).
    static var executableDirectory: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
    }

    /// A file of this repository: under the current directory (where `swift run` runs), else next to
    /// this source file's checkout.
    static func repositoryFile(_ relative: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/" + relative
        if FileManager.default.fileExists(atPath: here) { return here }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relative).path
    }
}

/// `WORKERSxTHREADS`, e.g. `2x1`: how many `securenets-worker` processes, each with `--threads`, for a
/// blinded-mode job; `masked` (one worker per pool, one thread each) or `masked-WORKERSxTHREADS` (that
/// many per pool) for a masked-mode job, the pools' workers started with `--pool data` and `--pool mask`.
struct WorkerConfiguration: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let privacy: PrivacyMode
    /// Per pool in masked mode.
    let workers: Int
    let threads: Int

    init?(argument: String) {
        var text = argument.lowercased()
        if text == "masked" { text = "masked-1x1" }
        privacy = text.hasPrefix("masked-") ? .masked : .blinded
        if privacy == .masked { text.removeFirst("masked-".count) }
        let parts = text.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[1] >= 1 else { return nil }
        workers = parts[0]
        threads = parts[1]
    }

    /// The worker processes' `--pool`: none for blinded mode, each pool once per worker for masked mode.
    var pools: [MaskedPool?] { privacy == .blinded ? [nil] : MaskedPool.allCases }

    var description: String { (privacy == .masked ? "masked-" : "") + "\(workers)x\(threads)" }
}

/// What the broker's message limit allows: the worker's result is the largest message of a job.
struct BrokerFit {
    /// Frame and manifest around the tensors, as `securenets submit` budgets them.
    static let envelopeBytes = 64 << 10
    let widths: [Int]
    let maxMessageBytes: Int

    /// The input and every pre-activation, each with its homogeneous column, float32 (chained mode:
    /// a ReLU network is one segment).
    var bytesPerRow: Int { 4 * widths.reduce(0) { $0 + $1 + 1 } }
    func resultBytes(rows: Int) -> Int { rows * bytesPerRow + Self.envelopeBytes }
    var largestBatch: Int { max(1, (maxMessageBytes - Self.envelopeBytes) / bytesPerRow) }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
