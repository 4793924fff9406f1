import ArgumentParser
import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Options shared by `submit` and `collect`.
struct BrokerOptions: ParsableArguments {
    @Option(help: "Broker URL; repeat it (or separate URLs with commas) for the nodes of a cluster, tried in turn when one fails (default: $SECURENETS_PRODUCER_AMQP_URL, $SECURENETS_AMQP_URL, or the local broker as user securenets-producer).")
    var amqpURL: [String] = []

    @Option(help: "Give up after this many seconds in which no batch was verified or failed (the job stays resumable with `collect`). 0 waits for ever.")
    var timeout: Double = 600

    @Option(help: "Failed or rejected attempts per batch before it is reported as not verified. Dispatches that got no answer do not count.")
    var maxAttempts = DispatchPolicy.defaultMaxFailedAttempts

    @Option(help: "Seconds to wait for a reply before dispatching a batch again: the floor, and the value until replies show the real latency (then 4 × the median latency, doubling for each unanswered dispatch of the same batch).")
    var dispatchTimeout = DispatchPolicy.defaultDeadlineFloor

    @Option(help: "Batches dispatched and not yet answered at once (default: automatic, 2 per worker present — in masked mode per worker of the smaller pool — at least 2, and at most 256 MiB of job messages waiting in the broker).")
    var window: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func urls() throws -> AMQPURLList { try ServiceEnvironment.amqpURLs(for: .producer, flags: amqpURL) }

    func validate() throws {
        guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout must be 0 or more seconds") }
        guard maxAttempts >= 1, maxAttempts <= 1000 else { throw ValidationError("--max-attempts must be between 1 and 1000") }
        guard dispatchTimeout >= 0.1, dispatchTimeout <= 86_400 else {
            throw ValidationError("--dispatch-timeout must be between 0.1 and 86400 seconds")
        }
        if let window, !(1...100_000).contains(window) { throw ValidationError("--window must be between 1 and 100000") }
    }

    var policy: DispatchPolicy {
        DispatchPolicy(maxFailedAttempts: maxAttempts, deadlineFloor: dispatchTimeout, window: window ?? WindowSizing.minimum)
    }
}

/// `securenets submit`: secure inference through the broker, workers and verifier.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Protect a model and data set, have the cloud compute it, verify every batch, unprotect.",
        discussion: """
        --privacy masked (the default) sends each layer's input to two worker pools that must not collude: \
        the data pool gets the quantized input plus a fresh one-time pad mod 2^31-1, the mask pool only \
        the pad's seed; each product is verified exactly, and this machine unmasks it and applies the \
        activation (start workers with `securenets-worker --pool data` and `--pool mask`). --privacy \
        blinded uses monomial blinding on one pool (workers without --pool): faster, but measured to hide \
        almost nothing of the inputs (docs/SECURITY.md); --mode and --precision apply to it only.

        Every batch is checked by the verifier before it is accepted. The job is journaled in $SECURENETS_HOME/jobs/<job-id>, so if \
        this process dies, `securenets collect <job-id>` finishes it. Outputs are written in input order; \
        rows of batches that could not be verified are NaN in --output and -1 in --labels, the summary \
        names those rows and batches, and the exit status is non-zero. --output and --labels must differ \
        from each other and from --input and --model.
        """
    )

    @Option(help: "ONNX model.")
    var model: String

    @Option(help: "Input rows: .npy or .csv.")
    var input: String

    @Option(help: "Outputs: .npy or .csv (probabilities if the model ends in Softmax, else logits).")
    var output: String

    @Option(help: "Argmax labels: .npy or .csv; -1 for rows that could not be verified.")
    var labels: String?

    @Option(help: "Rows per batch (default: the largest batch whose result fits --max-message-mb).")
    var batchSize: Int?

    @Option(help: "The broker's message size limit in MiB (RabbitMQ 4.x: 16, 3.x: 128).")
    var maxMessageMb = 16

    @Option(help: "Blinded mode's worker arithmetic: exact (float64 accumulation, tight check) or fast (float32: only gross cheating is caught). Masked mode is always exact (mod p).")
    var precision: Precision = .exact

    @Option(help: "masked (two non-colluding worker pools, one-time pad mod p; inputs hidden) or blinded (one pool, monomial blinding; measured to leak the inputs, see docs/SECURITY.md).")
    var privacy: PrivacyMode = .masked

    @Option(help: "Blinded mode: chained (workers run ReLU chains) or per-layer (the user applies every activation).")
    var mode: ChainingMode = .chained

    @Option(help: "Producer private key (default: local key, created on first use).")
    var producerKey: String?

    @Option(help: "The verifier's public key file (default: the local verifier's).")
    var verifierKey: String?

    @OptionGroup var broker: BrokerOptions

    func validate() throws {
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        guard maxMessageMb >= 1 else { throw ValidationError("--max-message-mb must be at least 1") }
    }

    func run() throws {
        ServiceEnvironment.bootstrapLogging(level: broker.logLevel ?? "warning")
        let logger = Logger(label: "securenets.producer")
        // Everything that can be wrong with the inputs is found before anything is published.
        try OutputPath.validate(output: output, labels: labels, input: input, model: model)
        let network = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: model))
        let jobID = UUID().uuidString.lowercased()
        // A CSV input is converted once to a private .npy next to the journals, then moved into its job.
        let jobs = ServiceEnvironment.home.appendingPathComponent("jobs")
        try PrivateFiles.makeDirectory(jobs, exclusive: false)
        let incoming = jobs.appendingPathComponent(".incoming-\(jobID).npy")
        defer { try? FileManager.default.removeItem(at: incoming) }
        let rows = try InputValidation.open(input, for: network, csvScratch: incoming)
        let keyring = LocalKeyring()
        if producerKey == nil || verifierKey == nil { try keyring.ensureLocalDefaults() }
        let producerKeyPath = producerKey ?? keyring.producerPrivateKey.path
        let verifierKeyPath = verifierKey ?? keyring.verifierPublicKey.path
        let identity = try KeyFiles.loadPrivateKey(at: URL(fileURLWithPath: producerKeyPath))
        let verifierKeys = try KeyFiles.loadTrustedKeys(at: URL(fileURLWithPath: verifierKeyPath))
        guard !verifierKeys.isEmpty else { throw ValidationError("\(verifierKeyPath) holds no verifier key") }

        let profile = PhaseProfile.shared
        if privacy == .masked { _ = try MaskedModel(network: network) }  // a layer that does not fit is refused now
        let size = batchSize ?? BatchSizing.largestBatch(for: network, privacy: privacy, mode: mode, maxMessageBytes: maxMessageMb << 20)
        let record = JobRecord(
            jobID: jobID, modelPath: absolute(model),
            modelFileSHA256: try profile.measure(.fingerprints) { try FileFingerprint.sha256(of: model) }, inputPath: absolute(input),
            inputFileSHA256: try profile.measure(.fingerprints) { try FileFingerprint.sha256(of: input) }, outputPath: absolute(output),
            labelsPath: labels.map(absolute), rows: rows.rows, batchSize: min(size, rows.rows), mode: mode,
            precision: precision, seed: Data(KeyStream.newSeed()).base64EncodedString(),
            producerKeyPath: absolute(producerKeyPath), verifierKeyPath: absolute(verifierKeyPath), createdAt: Date(),
            privacy: privacy)
        let journal = try JobJournal(creating: record, home: ServiceEnvironment.home)
        if FileManager.default.fileExists(atPath: incoming.path) {
            // The open file stays readable through the rename.
            try FileManager.default.moveItem(at: incoming, to: journal.convertedInputURL)
        }
        printError("job \(record.jobID): \(record.rows) rows in \(record.batchCount) batch(es) of up to \(record.batchSize), \(privacy) mode")
        try JobCompletion.run(journal: journal, network: network, input: rows, identity: identity,
                              verifierKeys: verifierKeys, verifierKeyPath: verifierKeyPath, broker: broker, logger: logger)
    }

    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}

/// `securenets collect`: finish a job whose producer was stopped or killed.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Finish a submitted job from its local journal (after the producer was stopped or killed).",
        discussion: "Publishes whatever was not yet published, collects the remaining verified replies and writes the outputs."
    )

    @Argument(help: "The job id printed by `submit`.")
    var jobID: String

    @Option(help: "The verifier's public key file, if not the one the job was submitted with.")
    var verifierKey: String?

    @OptionGroup var broker: BrokerOptions

    func run() throws {
        ServiceEnvironment.bootstrapLogging(level: broker.logLevel ?? "warning")
        let logger = Logger(label: "securenets.producer")
        let journal = try JobJournal(opening: jobID, home: ServiceEnvironment.home)
        var record = journal.record
        if let verifierKey { record.verifierKeyPath = URL(fileURLWithPath: verifierKey).standardizedFileURL.path }
        let profile = PhaseProfile.shared
        guard try profile.measure(.fingerprints, { try FileFingerprint.sha256(of: record.modelPath) }) == record.modelFileSHA256 else {
            throw ValidationError("\(record.modelPath) changed since job \(jobID) was submitted")
        }
        guard try profile.measure(.fingerprints, { try FileFingerprint.sha256(of: record.inputPath) }) == record.inputFileSHA256 else {
            throw ValidationError("\(record.inputPath) changed since job \(jobID) was submitted")
        }
        let network = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: record.modelPath))
        let rows = try InputValidation.open(record.inputPath, for: network, csvScratch: journal.convertedInputURL)
        let identity = try KeyFiles.loadPrivateKey(at: URL(fileURLWithPath: record.producerKeyPath))
        let verifierKeys = try KeyFiles.loadTrustedKeys(at: URL(fileURLWithPath: record.verifierKeyPath))
        if journal.ignoredLines > 0 {
            printError("job \(jobID): \(journal.ignoredLines) damaged line(s) of events.log ignored; their steps are redone")
        }
        printError("job \(jobID): \(journal.done.count) of \(record.batchCount) batch(es) already verified")
        try JobCompletion.run(journal: journal, network: network, input: rows, identity: identity,
                              verifierKeys: verifierKeys, verifierKeyPath: record.verifierKeyPath, broker: broker, logger: logger)
    }
}

/// Runs a job to the end and writes its outputs and summary: shared by `submit` and `collect`.
enum JobCompletion {
    static func run(journal: JobJournal, network: Network, input: RowSource, identity: SigningIdentity,
                    verifierKeys: [TrustedKey], verifierKeyPath: String, broker: BrokerOptions, logger: Logger) throws {
        let record = journal.record
        let started = Date()
        defer { PhaseProfile.shared.printIfEnabled() }
        let runner = try JobRunner(journal: journal, network: network, input: input, identity: identity,
                               verifierKeys: verifierKeys, verifierKeyPath: verifierKeyPath,
                               amqpURLs: try broker.urls(), logger: logger,
                               progress: ProgressReporter(rowsPerBatch: record.batchSize), policy: broker.policy,
                               automaticWindow: broker.window == nil,
                               progressTimeout: broker.timeout > 0 ? broker.timeout : nil)
        let failed: [Int: String]
        do {
            failed = try runner.run()
        } catch let stopped as JobStopped {
            printError("securenets: job \(record.jobID) stopped: \(stopped)")
            throw ExitCode(3)
        } catch let error as AMQPError {
            printError("securenets: job \(record.jobID) stopped: \(error)\n  Fix that, then finish the job with: securenets collect \(record.jobID)")
            throw ExitCode(3)
        }
        try PhaseProfile.shared.measure(.output) { try writeOutputs(journal: journal, columns: network.outputCount) }
        let seconds = Date().timeIntervalSince(started)
        print("job \(record.jobID): \(journal.done.count)/\(record.batchCount) batches verified, \(record.rows) rows in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(record.rows) / max(seconds, 1e-9))) rows/s)")
        print("outputs: \(record.outputPath)" + (record.labelsPath.map { ", labels: \($0)" } ?? ""))
        if let unverified = UnverifiedRows(record: record, verified: journal.done).summary(hasLabels: record.labelsPath != nil) {
            print(unverified)
        }
        print("audit:   securenets audit list --job \(record.jobID)")
        if !failed.isEmpty {
            for (batch, reason) in failed.sorted(by: { $0.key < $1.key }) {
                printError("batch \(batch) (rows \(record.rows(ofBatch: batch))) was not verified: \(reason)")
            }
            throw ExitCode(2)
        }
    }
}

extension JobCompletion {
    /// Writes every batch's verified output (NaN rows for a batch that failed) and its labels, a batch
    /// at a time from the journal, so memory does not grow with the job.
    static func writeOutputs(journal: JobJournal, columns: Int) throws {
        let record = journal.record
        let outputs = try DataFile.rowSink(at: URL(fileURLWithPath: record.outputPath), rows: record.rows, columns: columns)
        let labels = try record.labelsPath.map { try DataFile.labelSink(at: URL(fileURLWithPath: $0), count: record.rows) }
        for batch in 0..<record.batchCount {
            let range = record.rows(ofBatch: batch)
            let output = journal.done.contains(batch)
                ? try journal.output(batch: batch)
                : Matrix(rows: range.count, columns: columns, elements: [Float](repeating: .nan, count: range.count * columns))
            try outputs.write(output, atRow: range.lowerBound)
            let predicted = PredictedLabels.labels(of: output)
            try labels?.write(Matrix(rows: predicted.count, columns: 1, elements: predicted.map(Float.init)), atRow: range.lowerBound)
        }
        try outputs.finish()
        try labels?.finish()
    }
}
