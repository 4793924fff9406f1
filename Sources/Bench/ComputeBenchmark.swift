import ArgumentParser
import Foundation
import SecureNets

/// `securenets-bench compute`: what each role's arithmetic costs against plaintext inference.
///
/// For every shape and batch it times, each in its steady state (`timeOperations`): plaintext
/// `Network.forward` (the baseline), the worker's
/// blinded forward pass in `exact` and `fast` precision, the producer's blind + unblind of one batch,
/// and the verifier's check of every layer (k = 2); and masked mode's four roles over all layers
/// (`MaskedComputeWorkload`). onnxruntime runs on the same weights and batch
/// right after, through a Python script, as the external yardstick.
struct ComputeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Times plaintext, blinded (exact, fast), blind+unblind, verification and onnxruntime.")

    @Option(help: ArgumentHelp("Write one JSON object per (shape, batch) to this file.", valueName: "file"))
    var json: String?

    @Option(help: "Batch sizes (rows), comma-separated.")
    var batches = CommaSeparated<Int>([64, 256, 1024])

    @Option(help: "Network shapes, comma-separated; each is layer widths joined by '-', inputs first.")
    var shapes = CommaSeparated<BenchShape>([BenchShape(argument: "784-1024-1024-1024-10")!,
                                             BenchShape(argument: "4096-4096-4096-1000")!])

    @Option(help: "Timed calls per operation in each of 3 passes, after one warm-up call; medians are reported.")
    var repeats = 5

    @Option(help: ArgumentHelp("Operations to time, comma-separated (\(ComputeOperation.allCases.map(\.rawValue).joined(separator: ", "))); the others show as —.",
                               valueName: "names"))
    var operations = CommaSeparated<ComputeOperation>(ComputeOperation.allCases)

    @Option(help: "Threads for OpenBLAS and onnxruntime (0: OpenBLAS's default).")
    var threads = 0

    @Option(help: "Seed of the random weights and inputs.")
    var seed: UInt64 = 1

    @Option(help: "Python interpreter for the onnxruntime comparison.")
    var python = "python3"

    @Option(help: ArgumentHelp("The onnxruntime script (default: scripts/bench/onnxruntime_bench.py).", valueName: "path"))
    var onnxruntimeScript: String?

    @Flag(help: "Keep glibc's default malloc settings instead of MallocTuning.retainFreedMemory().")
    var systemMalloc = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard batches.values.allSatisfy({ $0 > 0 }) else { throw ValidationError("batch sizes must be positive") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)  // a dead onnxruntime script must become "absent", not kill us
        // Measure the process as a service should run (see MallocTuning), unless asked not to.
        let mallocTuned = !systemMalloc && MallocTuning.retainFreedMemory()
        BLAS.setThreadCount(threads)
        let environment = MachineDescription(blasThreads: BLAS.threadCount, mallocTuned: mallocTuned)
        log(environment.summary)

        var results: [ComputeResult] = []
        for shape in shapes.values {
            results += try measure(shape, environment: environment)
        }

        print(environment.summary)
        if let version = results.lazy.compactMap(\.onnxruntimeVersion).first {
            print("onnxruntime \(version), CPU execution provider, \(environment.blasThreads) intra-op threads")
        }
        print("\nMedian of \(Self.passes) passes × \(repeats) timed calls (each block after one warm-up call), milliseconds:\n")
        print(ComputeReport.timesTable(results))
        print("\nRatios (targets judged at batch \(RatioTarget.batch)):\n")
        print(ComputeReport.ratiosTable(results))
        print("\nModel blinding (once per key epoch) and sanity checks:\n")
        print(ComputeReport.checksTable(results))
        if let json {
            try ComputeReport.json(results).write(to: URL(fileURLWithPath: json))
            log("wrote \(json)")
        }
    }

    /// Every batch of one shape. The network, its blinded model and the onnxruntime session are built
    /// once per shape, as a deployment builds them once per key epoch.
    private func measure(_ shape: BenchShape, environment: MachineDescription) throws -> [ComputeResult] {
        let threads = environment.blasThreads
        log("\(shape): generating weights")
        let network = try shape.randomNetwork(seed: seed)

        var modelBlinding = Samples()
        var session = BlindingSession(network: network, mode: .chained)  // warm-up
        for _ in 0..<repeats {
            modelBlinding.append(Stopwatch.time { session = BlindingSession(network: network, mode: .chained) })
        }

        var (onnxruntime, absentReason) = startONNXRuntime(network, threads: threads)
        defer { onnxruntime?.stop() }

        var results: [ComputeResult] = []
        for batch in batches.values {
            log("\(shape) batch \(batch)")
            let workload = try ComputeWorkload(network: network, session: session,
                                               input: shape.randomInput(rows: batch, seed: seed &+ UInt64(batch)))
            let plaintextOutput = try workload.plaintext()
            var correctness = try workload.correctness(plaintextOutput: plaintextOutput)
            let masked = try MaskedComputeWorkload(network: network, input: workload.input)
            correctness.maskedMaxRelativeError = ComputeWorkload.maxRelativeError(try masked.producer(), reference: plaintextOutput)
            correctness.maskedVerificationPassed = try masked.verify()

            var samples = try timeOperations(workload, masked: masked)
            var onnxruntimeDifference: Double?
            if let bridge = onnxruntime {
                do {
                    onnxruntimeDifference = try bridge.load(batch: workload.input, expected: plaintextOutput)
                    // Let OpenBLAS's spinning threads go idle so they do not compete with onnxruntime's.
                    Thread.sleep(forTimeInterval: 0.2)
                    var timings = Samples()
                    for seconds in try bridge.time(rows: batch, warmup: 1, repeats: repeats * Self.passes) { timings.append(seconds) }
                    samples[.onnxruntime] = timings
                } catch {
                    absentReason = "\(error)"
                    log("onnxruntime absent from here on: \(error)")
                    bridge.stop()
                    onnxruntime = nil
                }
            }
            results.append(ComputeResult(
                shape: shape.description, batch: batch, repeats: repeats, threads: threads,
                mallocTuned: environment.mallocTuned,
                seconds: samples.compactMapValues(\.median),
                modelBlindingSeconds: modelBlinding.median ?? 0,
                correctness: correctness,
                onnxruntimeVersion: samples[.onnxruntime] == nil ? nil : onnxruntime?.versions["onnxruntime"],
                onnxruntimeMaxRelativeDifference: onnxruntimeDifference,
                onnxruntimeAbsentReason: samples[.onnxruntime] == nil ? absentReason ?? "not run" : nil))
        }
        return results
    }

    /// The onnxruntime script loaded with `network`, or why there is none.
    private func startONNXRuntime(_ network: Network, threads: Int) -> (ONNXRuntimeBridge?, String?) {
        guard selected.contains(.onnxruntime) else { return (nil, ComputeResult.notSelected) }
        do {
            return (try ONNXRuntimeBridge(network: network, threads: threads, python: python,
                                          script: onnxruntimeScript ?? Self.defaultScript), nil)
        } catch {
            log("onnxruntime absent: \(error)")
            return (nil, "\(error)")
        }
    }

    /// How long OpenBLAS keeps its threads spinning after a call, at most: 2²⁸ cycles (its default
    /// THREAD_TIMEOUT) at 2 GHz or faster.
    static let blasSpinSeconds = 0.15

    /// Passes over the operations; each pass times every operation in a block of its own.
    static let passes = 3

    /// Every selected Swift-side operation in its steady state, as the process that runs it would be:
    /// `passes` passes, and in each pass a block per operation of one untimed warm-up call followed by
    /// `repeats` timed calls back to back (a worker, verifier or producer works through a queue of
    /// batches). Passes alternate the blocks, so that a burst of load from other processes hits every
    /// operation alike; the median is over all passes.
    ///
    /// The producer and the verifier never call BLAS in their own processes (`submit` and
    /// `securenets-verifier` have no matrix product), but here their blocks follow `sgemm`, whose
    /// threads spin for up to `blasSpinSeconds` and take a core from their parallel passes. So before
    /// those two blocks the bench waits, untimed, for OpenBLAS's threads to go to sleep.
    private func timeOperations(_ workload: ComputeWorkload, masked: MaskedComputeWorkload) throws -> [ComputeOperation: Samples] {
        let operations: [(ComputeOperation, afterBLASIdles: Bool, () throws -> Void)] = [
            (.plaintext, false, { _ = try workload.plaintext() }),
            (.blindedExact, false, { _ = try workload.blindedForward(.exact) }),
            (.blindedFast, false, { _ = try workload.blindedForward(.fast) }),
            (.blindUnblind, true, { _ = try workload.blindAndUnblind() }),
            (.verify, true, { _ = workload.verify() }),
            (.maskedDataPool, false, { _ = try masked.dataPool() }),
            (.maskedMaskPool, false, { _ = try masked.maskPool() }),
            (.maskedProducer, true, { _ = try masked.producer() }),
            (.maskedVerify, true, { _ = try masked.verify() }),
        ]
        var samples: [ComputeOperation: Samples] = [:]
        for _ in 0..<Self.passes {
            for (operation, afterBLASIdles, body) in operations where selected.contains(operation) {
                if afterBLASIdles { Thread.sleep(forTimeInterval: Self.blasSpinSeconds) }
                try body()
                for _ in 0..<repeats { samples[operation, default: Samples()].append(try Stopwatch.time(body)) }
            }
        }
        return samples
    }

    /// The operations `--operations` selected.
    private var selected: Set<ComputeOperation> { Set(operations.values) }

    /// `scripts/bench/onnxruntime_bench.py` under the current directory (where `swift run` runs), else
    /// next to this source file's checkout.
    static var defaultScript: String {
        let relative = "scripts/bench/onnxruntime_bench.py"
        let here = FileManager.default.currentDirectoryPath + "/" + relative
        if FileManager.default.fileExists(atPath: here) { return here }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relative).path
    }
}

/// Progress goes to stderr so that stdout carries only the tables.
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
