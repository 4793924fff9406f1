import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import Testing

/// `securenets submit` refuses bad models and data before anything is published.
@Suite("The producer refuses bad input up front", .serialized)
struct ProducerInputTests {
    @Test func badModelsAndDataAreRefusedWithAClearMessageAndNothingIsPublished() throws {
        let cluster = try PipelineCluster(name: "badinput", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let dir = cluster.home
        func write(_ name: String, _ text: String) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url
        }
        let header = (0..<64).map { "f\($0)" }.joined(separator: ",")
        let row = Array(repeating: "0.5", count: 64).joined(separator: ",")
        let nanRow = (["nan"] + Array(repeating: "0.5", count: 63)).joined(separator: ",")
        let cases: [(String, [String], String)] = [
            ("NaN in the data", ["--input", try write("nan.csv", "\(header)\n\(row)\n\(nanRow)\n").path], "nan.csv"),
            ("wrong feature count", ["--input", try write("narrow.csv", "1,2,3\n4,5,6\n").path], "3 features per row, the model expects 64"),
            ("empty file", ["--input", try write("empty.csv", "").path], "empty.csv"),
            ("absurd npy header", ["--input", try write("huge.npy", "\u{93}NUMPY\u{01}\u{00}v\u{00}{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 64), }").path], "huge.npy"),
            ("not a model", ["--model", try write("model.onnx", "not a model").path, "--input", RepositoryPaths.sampleInputs.path], "model.onnx"),
            ("unsupported op", ["--model", RepositoryPaths.root.appendingPathComponent("Tests/SecureNetsTests/Fixtures/unsupported-conv.onnx").path,
                                "--input", RepositoryPaths.sampleInputs.path], "unsupported op Conv in node 'conv1'"),
        ]
        for (what, arguments, expected) in cases {
            var full = ["submit", "--output", dir.appendingPathComponent("out.npy").path, "--timeout", "5"] + arguments
            if !arguments.contains("--model") { full += ["--model", RepositoryPaths.sampleModel.path] }
            let result = try cluster.securenets(full, timeout: 60)
            #expect(result.status != 0, "\(what): submit should fail")
            #expect(result.stderr.contains(expected), "\(what): message should name the problem: \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "\(what): crashed: \(result.stderr)")
        }
        // Nothing was journaled or published.
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "no job was started: \(jobs)")
        let admin = try AMQPConnection(url: cluster.amqpURL, connectionName: "inspect", logger: Logger(label: "test"))
        defer { admin.close() }
        #expect(try admin.declareQueuePassive(SecureNetsTopology.jobsQueue).messageCount == 0)
    }
}
