import Foundation
import SecureNets
import SecureNetsServices
import Testing

/// Inputs read and outputs written a batch at a time (issue: large jobs): `infer` and `submit` give
/// byte-identical outputs whatever the input's format (`.npy` in C or Fortran order, CSV) and the
/// output's, and equal to the whole-matrix computation.
@Suite("Streaming inputs and outputs", .serialized)
struct StreamingJobTests {
    /// The sample tiled 12 times: 4320 rows, more than one 4096-row plaintext block.
    static func inputs(in directory: URL) throws -> (matrix: Matrix, files: [URL]) {
        let sample = try Reference.inputs
        let matrix = Matrix.stacking(Array(repeating: sample, count: 12), columns: sample.columns)
        let cOrder = directory.appendingPathComponent("rows.npy"), csv = directory.appendingPathComponent("rows.csv")
        try DataFile.write(matrix, to: cOrder)
        try DataFile.write(matrix, to: csv)
        // The same rows in Fortran order: the transpose's C-order bytes, with the header saying so.
        let fortran = directory.appendingPathComponent("rows-fortran.npy")
        let transposed = try DataFile.encoded(matrix.transposed(), for: fortran)
        let headerLength = Int(transposed[8]) | Int(transposed[9]) << 8
        var header = String(decoding: transposed[10..<(10 + headerLength)], as: UTF8.self)
        header = header.replacingOccurrences(of: "'fortran_order': False, 'shape': (\(matrix.columns), \(matrix.rows))",
                                             with: "'fortran_order': True, 'shape': (\(matrix.rows), \(matrix.columns)) ")
        let bytes = transposed.prefix(10) + Data(header.utf8) + transposed.dropFirst(10 + headerLength)
        try bytes.write(to: fortran)
        #expect(try DataFile.readMatrix(at: fortran) == matrix, "the Fortran-order file holds the same rows")
        return (matrix, [cOrder, fortran, csv])
    }

    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-streaming-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Plaintext and masked mode are deterministic (masked arithmetic is exact, R cancels); blinded mode
    /// draws fresh keys per run, so only plaintext and masked are compared byte for byte.
    @Test(arguments: [[String](), ["--in-process"]])
    func inferGivesTheSameBytesForEveryFormat(_ mode: [String]) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (matrix, inputs) = try Self.inputs(in: directory)
        var outputs: [String: [Data]] = [:]
        for (index, input) in inputs.enumerated() {
            for format in ["npy", "csv"] {
                let output = directory.appendingPathComponent("out-\(index).\(format)")
                let labels = directory.appendingPathComponent("labels-\(index).\(format)")
                let run = try runCommand(RepositoryPaths.binary("securenets"),
                                         ["infer", "--model", RepositoryPaths.sampleModel.path, "--input", input.path,
                                          "--output", output.path, "--labels", labels.path] + mode)
                #expect(run.status == 0, "\(input.lastPathComponent) → \(format): \(run.stderr)")
                outputs[format, default: []].append(try Data(contentsOf: output) + Data(try Data(contentsOf: labels)))
            }
        }
        for (format, files) in outputs {
            #expect(Set(files).count == 1, "\(mode) \(format): every input format gives the same bytes")
        }
        if mode.isEmpty {
            // Plaintext is row-independent: the streamed file equals the whole matrix's, written at once.
            let whole = directory.appendingPathComponent("whole.npy")
            try DataFile.write(try Reference.network.forward(matrix), to: whole)
            let streamed = try DataFile.readMatrix(at: directory.appendingPathComponent("out-0.npy"))
            #expect(Reference.maxDifference(streamed, try DataFile.readMatrix(at: whole)) <= 1e-6)
        }
    }

    @Test func submitGivesTheSameBytesForEveryFormat() throws {
        let cluster = try PipelineCluster(name: "streaming", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        try cluster.startPools()
        let (_, inputs) = try Self.inputs(in: cluster.home)
        var outputs: [String: [Data]] = [:]
        for (index, input) in inputs.enumerated() {
            let format = index == 1 ? "csv" : "npy"
            let output = cluster.home.appendingPathComponent("submitted-\(index).\(format)")
            let run = try cluster.securenets(["submit", "--model", RepositoryPaths.sampleModel.path, "--input", input.path,
                                              "--output", output.path, "--batch-size", "512", "--timeout", "120"])
            #expect(run.status == 0, "\(input.lastPathComponent): \(run.stderr)\n\(cluster.diagnostics())")
            outputs[format, default: []].append(try Data(contentsOf: output))
            // The job's own converted copy of a CSV input is private.
            if input.pathExtension == "csv", let job = run.stdout.split(separator: " ").dropFirst().first?.dropLast() {
                let converted = cluster.home.appendingPathComponent("jobs/\(job)/input.npy")
                let mode = (try FileManager.default.attributesOfItem(atPath: converted.path)[.posixPermissions] as? Int) ?? 0
                #expect(mode & 0o077 == 0, "input.npy is owner-only")
            }
        }
        #expect(Set(outputs["npy"] ?? []).count == 1, "C-order .npy and CSV inputs give the same .npy")
        let reference = try InProcessMaskedInference(batchSize: 512).run(network: try Reference.network, input: try Self.inputs(in: cluster.home).matrix).output
        #expect(try DataFile.readMatrix(at: cluster.home.appendingPathComponent("submitted-0.npy")) == reference)
        #expect(try DataFile.readMatrix(at: cluster.home.appendingPathComponent("submitted-1.csv")) == reference,
                "Fortran-order input, CSV output")
    }
}
