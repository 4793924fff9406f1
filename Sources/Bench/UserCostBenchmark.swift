import ArgumentParser
import Foundation
import SecureNets

/// `securenets-bench user-cost`: the user's own CPU time for a whole `securenets submit` against
/// plaintext `securenets infer` on the same rows and model (issue 9), with the producer's breakdown.
///
/// CPU seconds are user + system of the producer process alone (wait4's rusage): the workers and the
/// verifier run for real, as release processes in a fresh vhost, but their time is the cloud's, not
/// the user's. The breakdown comes from the producer itself (`SECURENETS_PROFILE=1`: per-phase CPU
/// and wall time, printed at the end). Models and inputs are random (ReLU MLPs as PyTorch-style ONNX
/// from scripts/bench/make_mlp_onnx.py, rows ~ N(0, 1) written a block at a time) and deleted at the end.
struct UserCostBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-cost",
        abstract: "CPU seconds of the whole `securenets submit` against plaintext `securenets infer`, with the producer's breakdown.")

    @Option(help: "Input rows per shape.")
    var rows = 262_144

    @Option(help: "Network shapes, comma-separated: layer widths joined by '-', inputs first (ReLU between, softmax at the end).")
    var shapes = CommaSeparated<BenchShape>([BenchShape(argument: "784-1024-1024-1024-10")!,
                                             BenchShape(argument: "4096-4096-4096-1000")!])

    // Strings rather than `PrivacyMode: ExpressibleByArgument`, which other benchmarks may declare too.
    @Option(help: "Privacy modes, comma-separated: masked (submit's default), blinded.")
    var privacy = CommaSeparated<String>(["masked", "blinded"])

    @Option(help: "Workers per masked-mode pool (blinded mode runs as many in all as both pools together).")
    var workersPerPool = 1

    @Option(help: "BLAS threads per worker.")
    var workerThreads = 1

    @Option(help: "The broker's message size limit in MiB (infra/local/rabbitmq: 16 unless started otherwise).")
    var maxMessageMb = 16

    @Option(help: "submit's --dispatch-timeout: generous, so that a loaded machine does not make the producer re-dispatch.")
    var dispatchTimeout = 300.0

    @Option(help: "Seed of the random weights and inputs.")
    var seed = 1

    @Option(help: "Python interpreter for scripts/bench/make_mlp_onnx.py (needs numpy and onnx).")
    var python = "python3"

    @Option(help: ArgumentHelp("Directory of the securenets binaries (default: this executable's).", valueName: "dir"))
    var binDir: String?

    @Option(help: "Give up on one submit after this many seconds.")
    var submitTimeout: Double = 7200

    @Option(help: ArgumentHelp("Write the numbers as JSON to this file.", valueName: "file"))
    var json: String?

    @Flag(help: "Keep the working directory (models, inputs, outputs, service logs) instead of deleting it.")
    var keep = false

    func validate() throws {
        for mode in privacy.values where PrivacyMode(rawValue: mode) == nil {
            throw ValidationError("--privacy: '\(mode)' is not a privacy mode (masked, blinded)")
        }
        guard rows >= 1, workersPerPool >= 1, workerThreads >= 1, maxMessageMb >= 1 else {
            throw ValidationError("--rows, --workers-per-pool, --worker-threads and --max-message-mb must be positive")
        }
    }

    func run() throws {
        let binaries = URL(fileURLWithPath: binDir ?? PipelineBenchmark.executableDirectory)
        for name in ["securenets", "securenets-worker", "securenets-verifier"] {
            guard FileManager.default.isExecutableFile(atPath: binaries.appendingPathComponent(name).path) else {
                throw ValidationError("\(name) not found in \(binaries.path): run `swift build -c release` first")
            }
        }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-usercost-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("logs"), withIntermediateDirectories: true)
        defer {
            if keep { log("kept \(work.path)") } else { try? FileManager.default.removeItem(at: work) }
        }
        let loadBefore = LoadAverage.now
        let cluster = try BenchCluster(binaries: binaries, work: work)
        defer { cluster.shutdown() }
        try cluster.startVerifier()

        var results: [UserCostResult] = []
        for shape in shapes.values {
            let files = try writeWorkload(shape, in: work)
            defer { if !keep { try? FileManager.default.removeItem(at: files.input) } }
            let plain = try plaintext(shape, files: files, binaries: binaries)
            results.append(plain)
            for mode in privacy.values.compactMap(PrivacyMode.init(rawValue:)) {
                results.append(try secure(shape, mode: mode, files: files, cluster: cluster, baseline: plain))
            }
        }
        let report = UserCostReport(machine: MachineDescription(blasThreads: 0, mallocTuned: false).summary
                                        .components(separatedBy: ";").prefix(2).joined(separator: ";"),
                                    loadBefore: loadBefore, loadAfter: LoadAverage.now,
                                    workersPerPool: workersPerPool, workerThreads: workerThreads, results: results)
        print(report.text)
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
            log("wrote \(json)")
        }
    }

    struct Workload {
        let model: URL
        let input: URL
        let plainOutput: URL
    }

    private func writeWorkload(_ shape: BenchShape, in work: URL) throws -> Workload {
        let name = shape.description
        let files = Workload(model: work.appendingPathComponent("\(name).onnx"), input: work.appendingPathComponent("\(name)-input.npy"),
                             plainOutput: work.appendingPathComponent("\(name)-plain.npy"))
        log("writing the \(name) model and \(rows) input rows")
        let unused = work.appendingPathComponent("\(name)-unused.npy")
        try Spawn.checked(URL(fileURLWithPath: "/usr/bin/env"),
                          [python, PipelineBenchmark.repositoryFile("scripts/bench/make_mlp_onnx.py"), "--shape", name,
                           "--rows", "1", "--seed", String(seed), "--model", files.model.path, "--input", unused.path])
        try? FileManager.default.removeItem(at: unused)
        try RandomInputFile.write(shape: shape, rows: rows, seed: UInt64(seed), to: files.input)
        return files
    }

    private func plaintext(_ shape: BenchShape, files: Workload, binaries: URL) throws -> UserCostResult {
        log("\(shape): plaintext securenets infer")
        let result = try Spawn.run(binaries.appendingPathComponent("securenets"),
                                   ["infer", "--model", files.model.path, "--input", files.input.path, "--output", files.plainOutput.path],
                                   timeout: submitTimeout)
        guard result.status == 0 else { throw BenchError("securenets infer failed: \(result.stderr)") }
        log("  \(String(format: "%.2f", result.cpuSeconds)) s CPU, \(String(format: "%.2f", result.wallSeconds)) s wall")
        return UserCostResult(shape: shape.description, rows: rows, run: "plaintext", cpuSeconds: result.cpuSeconds,
                              wallSeconds: result.wallSeconds, baselineCPUSeconds: result.cpuSeconds, labelAgreement: nil,
                              verified: nil, jobLine: nil, workerCPUSeconds: nil, verifierCPUSeconds: nil, profile: nil)
    }

    private func secure(_ shape: BenchShape, mode: PrivacyMode, files: Workload, cluster: BenchCluster,
                        baseline: UserCostResult) throws -> UserCostResult {
        log("\(shape): submit --privacy \(mode), \(workersPerPool) worker(s) per pool")
        let workers = try PrivacyWorkers(privacy: mode, perPool: workersPerPool, threads: workerThreads, cluster: cluster,
                                         tag: "\(shape.widths[0])-\(mode)")
        defer { workers.stop() }
        let output = files.input.deletingLastPathComponent().appendingPathComponent("\(shape)-\(mode).npy")
        let verifierBefore = cluster.serviceCPUSeconds().verifier
        var environment = cluster.environment
        environment["SECURENETS_PROFILE"] = "1"
        let result = try Spawn.run(cluster.binaries.appendingPathComponent("securenets"),
                                   ["submit", "--model", files.model.path, "--input", files.input.path, "--output", output.path,
                                    "--privacy", mode.rawValue, "--max-message-mb", String(maxMessageMb),
                                    "--dispatch-timeout", String(dispatchTimeout), "--timeout", "900"],
                                   environment: environment, timeout: submitTimeout)
        let jobLine = result.stdout.split(separator: "\n").first { $0.hasPrefix("job ") }.map(String.init)
        // submit exits non-zero when any batch was not verified.
        guard result.status == 0, let jobLine else {
            throw BenchError("securenets submit failed (status \(result.status)): \(result.stdout)\n\(result.stderr.suffix(4000))\n\(cluster.diagnostics())")
        }
        let profile = try ProducerProfileLines(stderr: result.stderr)
        let verified = jobLine.split(separator: " ").dropFirst(2).first.map(String.init)  // "job <id>: 8/8 batches ..."
        let agreement = try LabelAgreement.fraction(files.plainOutput, output)
        log("  \(String(format: "%.2f", result.cpuSeconds)) s CPU (\(String(format: "%.1f", 100 * result.cpuSeconds / baseline.cpuSeconds)) % of plaintext), \(String(format: "%.1f", result.wallSeconds)) s wall, \(verified ?? "?") verified, labels \(String(format: "%.2f", 100 * agreement)) % as plaintext")
        try? FileManager.default.removeItem(at: output)
        return UserCostResult(shape: shape.description, rows: rows, run: mode.rawValue, cpuSeconds: result.cpuSeconds,
                              wallSeconds: result.wallSeconds, baselineCPUSeconds: baseline.cpuSeconds, labelAgreement: agreement,
                              verified: verified, jobLine: jobLine, workerCPUSeconds: workers.cpuSeconds,
                              verifierCPUSeconds: cluster.serviceCPUSeconds().verifier - verifierBefore, profile: profile)
    }
}

/// The fraction of rows whose argmax is the same in two output files (read a block at a time).
enum LabelAgreement {
    static func fraction(_ a: URL, _ b: URL) throws -> Double {
        let left = try NPYRowFile(url: a), right = try NPYRowFile(url: b)
        guard left.rows == right.rows, left.columns == right.columns, left.rows > 0 else {
            throw BenchError("\(a.lastPathComponent) and \(b.lastPathComponent) differ in shape")
        }
        var same = 0
        for start in stride(from: 0, to: left.rows, by: 8192) {
            let range = start..<min(start + 8192, left.rows)
            let x = PredictedLabels.labels(of: try left.rows(range)), y = PredictedLabels.labels(of: try right.rows(range))
            same += zip(x, y).filter { $0 == $1 }.count
        }
        return Double(same) / Double(left.rows)
    }
}

