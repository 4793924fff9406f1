import ArgumentParser
import Foundation
import SecureNets

/// `securenets infer`: local inference, plaintext (the baseline) or the whole secure protocol in one process.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a model locally: plaintext, or the full secure protocol in one process.",
        discussion: """
        Without --in-process this is plain float32 inference with OpenBLAS: the baseline to compare the
        secure pipeline against. With --in-process the whole protocol runs without a broker:
        --privacy masked (the default) quantizes and masks every layer's input mod p, computes both
        pools' products, checks both exactly and unmasks (docs/MASKED.md); --privacy blinded blinds
        every batch, computes as a worker would, checks as the verifier would and unblinds.

        Output: float32 [rows, outputs] in input order; probabilities when the model ends in Softmax,
        logits otherwise. --labels writes the argmax of each row (-1 for a row whose output is NaN).
        --output and --labels must differ from each other and from --input and --model.
        """
    )

    @Option(help: "ONNX model (PyTorch Gemm, Keras MatMul+Add or skl2onnx export).")
    var model: String

    @Option(help: "Input rows: .npy (float32/float64, 2-D) or .csv (numbers, optional header).")
    var input: String

    @Option(help: "Where to write outputs: .npy or .csv.")
    var output: String

    @Option(help: "Where to write argmax labels: .npy (int64) or .csv; -1 for a row whose output is NaN.")
    var labels: String?

    @Flag(help: "Run the secure protocol (see --privacy) in this process instead of plaintext inference.")
    var inProcess = false

    @Option(help: "Privacy in --in-process mode: masked (one-time pad mod p, two pools, exact check) or blinded (monomial blinding, which leaks the inputs: docs/SECURITY.md).")
    var privacy: PrivacyMode = .masked

    @Option(help: "Rows per batch in --in-process mode.")
    var batchSize = 256

    @Option(help: "Worker arithmetic with --privacy blinded: exact (float64 accumulation, tight check) or fast (float32; only gross cheating is caught). Default exact.")
    var precision: Precision?

    @Option(help: "With --privacy blinded: chained (workers run ReLU chains) or per-layer (the user applies every activation). Default chained.")
    var mode: ChainingMode?

    @Option(help: "Random vectors per layer check.")
    var rounds = 2

    @Option(help: "OpenBLAS threads (0 = OpenBLAS default).")
    var threads = 0

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive, got \(rounds)") }
        if privacy == .masked {
            if precision != nil { throw ValidationError("--precision applies to --privacy blinded only: masked mode is always exact") }
            if mode != nil { throw ValidationError("--mode applies to --privacy blinded only: masked mode returns every layer to the producer") }
        }
    }

    func run() throws {
        try OutputPath.validate(output: output, labels: labels, input: input, model: model)
        BLAS.setThreadCount(threads)
        let network = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: model))
        // Read and written a batch at a time: memory does not grow with the file (a CSV input is
        // converted once to a private temporary .npy, removed at the end).
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-infer-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let rows = try InputValidation.open(input, for: network, csvScratch: scratch)
        let outputs = try DataFile.rowSink(at: URL(fileURLWithPath: output), rows: rows.rows, columns: network.outputCount)
        let labelSink = try labels.map { try DataFile.labelSink(at: URL(fileURLWithPath: $0), count: rows.rows) }
        func emit(_ firstRow: Int, _ batch: Matrix) throws {
            try outputs.write(batch, atRow: firstRow)
            let predicted = PredictedLabels.labels(of: batch)
            try labelSink?.write(Matrix(rows: predicted.count, columns: 1, elements: predicted.map(Float.init)), atRow: firstRow)
        }
        if inProcess, privacy == .masked {
            let outcome = try InProcessMaskedInference(batchSize: batchSize, rounds: rounds).run(network: network, input: rows, emit: emit)
            let widths = outcome.bitWidths.map(\.description).joined(separator: ", ")
            printError("masked: verified \(rows.rows) rows, \(outcome.checkedProducts) pool products checked exactly mod 2^31-1; bit widths per layer: \(widths)")
        } else if inProcess {
            let secure = InProcessSecureInference(batchSize: batchSize, mode: mode ?? .chained, precision: precision ?? .exact,
                                                  rounds: rounds)
            let outcome = try secure.run(network: network, input: rows, emit: emit)
            printError("blinded: verified \(rows.rows) rows in \(outcome.segmentCount) segment(s) per batch; worst residual \(String(format: "%.3g", outcome.maxResidualRatio))× its bound")
        } else {
            // Plaintext rows are independent: blocks of a few thousand keep BLAS efficient and memory flat.
            let block = 4096
            for start in stride(from: 0, to: rows.rows, by: block) {
                try emit(start, try network.forward(try rows.rows(start..<min(start + block, rows.rows))))
            }
        }
        try outputs.finish()
        try labelSink?.finish()
    }
}

extension Precision: ExpressibleByArgument {}
extension PrivacyMode: ExpressibleByArgument {}
extension ChainingMode: ExpressibleByArgument {}

/// Writes a line to standard error (progress and summaries; stdout stays clean for data).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
