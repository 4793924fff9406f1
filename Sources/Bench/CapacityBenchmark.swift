import ArgumentParser
import Foundation
import SecureNets
import SecureNetsMessaging

/// `securenets-bench capacity`: how many worker cores one verifier core and one broker node keep busy.
///
/// For every shape and privacy mode it measures, in one run:
/// - **the verifier**: a real `securenets-verifier` fed pre-computed honest results (`HonestResults`)
///   as fast as the broker delivers them, no workers (`VerifierThroughput`): results/s, and rows per
///   verifier CPU-second;
/// - **the broker alone**: result-sized and small persistent messages published with confirms into a
///   quorum queue and consumed at once (`BrokerThroughput`);
/// - **one worker per core**, compute only (`WorkerThroughput`);
/// and prints the capacity model (`CapacityModel`) with a fleet's arithmetic.
struct CapacityBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Measures what one verifier core, one broker node and one worker core carry, and what a fleet needs.")

    @Option(help: ArgumentHelp("Write the measurements and the model as JSON to this file.", valueName: "file"))
    var json: String?

    @Option(help: "Network shapes, comma-separated; each is layer widths joined by '-', inputs first.")
    var shapes = CommaSeparated<BenchShape>([BenchShape(argument: "784-1024-1024-1024-10")!,
                                             BenchShape(argument: "4096-4096-4096-1000")!])

    @Option(help: "Privacy modes, comma-separated: blinded, masked.")
    var privacy = CommaSeparated<PrivacyMode>(PrivacyMode.allCases.reversed())

    @Option(help: "Rows per batch (lowered, and said so, where a result would not fit --max-message-mb).")
    var batchSize = 1024

    @Option(help: "The broker's message size limit in MiB (infra/local/rabbitmq: 16 unless started otherwise).")
    var maxMessageMb = 16

    @Option(help: "Results the verifier is timed on per (shape, mode), rounded up to whole batches (at least 2).")
    var results = 48

    @Option(help: "Result-sized messages per broker measurement.")
    var brokerMessages = 48

    @Option(help: "Small (4 KiB) messages of the broker's per-message cost measurement.")
    var brokerSmallMessages = 1000

    @Option(help: "Publisher connections of the broker measurement, each with one message awaiting its confirm.")
    var publishers = 2

    @Option(help: "Timed worker calls per (shape, mode, pool), after a warm-up; the median is reported.")
    var repeats = 5

    @Option(help: "Worker machines of the fleet example.")
    var fleetMachines = 100

    @Option(help: "Cores per worker machine of the fleet example.")
    var coresPerMachine = 16

    @Option(help: "Seed of the random weights and inputs.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Directory of the securenets binaries (default: this executable's).", valueName: "dir"))
    var binDir: String?

    @Flag(help: "Keep the working directory (keys, service logs) instead of deleting it.")
    var keep = false

    /// Bytes of the small messages that measure the broker's per-message cost.
    static let smallMessageBytes = 4 << 10

    func validate() throws {
        guard batchSize >= 1, maxMessageMb >= 1, results >= 1, brokerMessages >= 1, brokerSmallMessages >= 1,
              publishers >= 1, repeats >= 1, fleetMachines >= 1, coresPerMachine >= 1 else {
            throw ValidationError("every count must be positive")
        }
    }

    func run() throws {
        let mallocTuned = MallocTuning.retainFreedMemory()
        let machine = MachineDescription(blasThreads: BLAS.threadCount, mallocTuned: mallocTuned)
        let binaries = URL(fileURLWithPath: binDir ?? PipelineBenchmark.executableDirectory)
        guard FileManager.default.isExecutableFile(atPath: binaries.appendingPathComponent("securenets-verifier").path) else {
            throw ValidationError("securenets-verifier not found in \(binaries.path): run `swift build -c release` first")
        }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-capacity-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("logs"), withIntermediateDirectories: true)
        defer {
            if keep { log("kept \(work.path)") } else { try? FileManager.default.removeItem(at: work) }
        }
        let cluster = try BenchCluster(binaries: binaries, work: work)
        defer { cluster.shutdown() }
        try cluster.keyring.ensureLocalDefaults()
        let maxMessageBytes = maxMessageMb << 20
        let brokerURL = try AMQPURL(cluster.applicationURL)
        let loadAtStart = LoadAverage.oneMinute

        log("broker: \(brokerSmallMessages) messages of \(Self.smallMessageBytes) B")
        let small = try BrokerThroughput.measure(bytes: Self.smallMessageBytes, messages: brokerSmallMessages,
                                                 publishers: publishers, url: brokerURL, maxMessageBytes: maxMessageBytes)
        var cells: [CapacityCell] = []
        for shape in shapes.values {
            log("\(shape): generating weights")
            let network = try shape.randomNetwork(seed: seed)
            for mode in privacy.values {
                cells.append(try measure(shape, network: network, privacy: mode, small: small, cluster: cluster,
                                         brokerURL: brokerURL, maxMessageBytes: maxMessageBytes))
            }
        }
        let report = CapacityReport(machine: machine.summary, loadAtStart: loadAtStart, loadAtEnd: LoadAverage.oneMinute,
                                    smallMessages: small, cells: cells, fleetCores: fleetMachines * coresPerMachine,
                                    fleetDescription: "\(fleetMachines) machines × \(coresPerMachine) cores")
        print(report.text)
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
            log("wrote \(json)")
        }
        if let bad = cells.first(where: { $0.verifier.passed != $0.verifier.auditRows }) {
            throw BenchError("\(bad.shape) \(bad.privacy): \(bad.verifier.auditRows - bad.verifier.passed) audit rows did not pass")
        }
    }

    private func measure(_ shape: BenchShape, network: Network, privacy mode: PrivacyMode, small: BrokerThroughput.Measurement,
                         cluster: BenchCluster, brokerURL: AMQPURL, maxMessageBytes: Int) throws -> CapacityCell {
        let largest = Self.largestBatch(widths: shape.widths, privacy: mode, maxMessageBytes: maxMessageBytes)
        let batch = min(batchSize, largest)
        let batchNote = batch == batchSize ? nil : "largest batch whose result fits \(maxMessageMb) MiB"
        log("\(shape) \(mode) batch \(batch): preparing honest results")
        let honest = try HonestResults(shape: shape, network: network, privacy: mode, rows: batch, seed: seed &+ UInt64(batch))

        let pools: [MaskedPool?] = mode == .blinded ? [nil] : MaskedPool.allCases
        let workers = try pools.map { pool in
            log("  worker compute\(pool.map { ", \($0) pool" } ?? ""), 1 thread")
            return try WorkerThroughput.measure(honest, pool: pool, repeats: repeats)
        }

        let batches = max(2, (results + honest.resultsPerBatch - 1) / honest.resultsPerBatch)
        log("  verifier: \(batches) batches of \(honest.resultsPerBatch) result(s) after a warm-up batch")
        let verifier = try VerifierThroughput.measure(honest, batches: batches, cluster: cluster, maxMessageBytes: maxMessageBytes)
        log("  \(String(format: "%.1f", verifier.resultsPerSecond)) results/s, \(String(format: "%.1f", 1000 * verifier.verifierCPUSeconds / Double(verifier.results))) verifier CPU ms per result")

        let resultBytes = verifier.resultBytesPerBatch.max()!
        log("  broker: \(brokerMessages) messages of \(resultBytes) B")
        let broker = try BrokerThroughput.measure(bytes: resultBytes, messages: brokerMessages, publishers: publishers,
                                                  url: brokerURL, maxMessageBytes: maxMessageBytes)

        let context = HonestResults.Context(jobID: "sizes", replyQueue: "securenets.reply.sizes", modelDigest: String(repeating: "0", count: 64),
                                            modelPublishedAtMs: 0, identity: SigningIdentity())
        let messages = try honest.jobBytesPerBatch(context: context) + verifier.resultBytesPerBatch
            + Array(repeating: Int(verifier.meanReplyBytes.rounded()), count: honest.resultsPerBatch)
        let workerRates = Dictionary(uniqueKeysWithValues: workers.map { ($0.pool?.rawValue ?? "blinded", $0.rowsPerSecond) })
        let verifierRows = verifier.resultsPerCPUSecond / Double(honest.resultsPerBatch) * Double(batch)
        func model(_ seconds: (BrokerThroughput.Measurement) -> Double) -> CapacityModel {
            CapacityModel(workerRowsPerCoreSecond: workerRates, verifierRowsPerCoreSecond: verifierRows,
                          broker: CapacityModel.BrokerCost((small.messageBytes, seconds(small)), (broker.messageBytes, seconds(broker))),
                          messageBytesPerBatch: messages, rowsPerBatch: batch)
        }
        return CapacityCell(shape: shape.description, privacy: mode.rawValue, batch: batch, batchNote: batchNote,
                            workers: workers, verifier: verifier, broker: broker,
                            model: model { $0.wallSeconds / Double($0.messages) },
                            modelPerBrokerCore: model { $0.brokerCPUPerMessage })
    }

    /// The most rows whose largest result fits the broker: blinded mode's result carries the input and
    /// every pre-activation with homogeneous columns (`BrokerFit`); a masked data-pool result carries
    /// X̂ and Z_A of the widest layer, 4 bytes per residue (as `securenets submit` sizes batches).
    static func largestBatch(widths: [Int], privacy: PrivacyMode, maxMessageBytes: Int) -> Int {
        guard privacy == .masked else { return BrokerFit(widths: widths, maxMessageBytes: maxMessageBytes).largestBatch }
        let bytesPerRow = zip(widths, widths.dropFirst()).map { 4 * ($0 + $1) }.max() ?? 4
        return max(1, (maxMessageBytes - BrokerFit.envelopeBytes) / bytesPerRow)
    }
}

extension PrivacyMode: ExpressibleByArgument {}
