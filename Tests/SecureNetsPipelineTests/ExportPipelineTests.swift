import Foundation
import SecureNets
import SecureNetsAudit
import Testing

/// Issue 10 through the broker: a folded skl2onnx pipeline (Scaler folded into the first layer),
/// its binary variant (the Sigmoid, Sub, Concat tail), a model whose Gelu activations and Clip
/// the producer applies at segment edges, and one whose PRelu the workers apply, each against
/// onnxruntime's output.
@Suite("Exported models through the broker", .serialized)
struct ExportPipelineTests {
    /// Same bound as the in-process tests (ExportPatternTests.tolerance): a few float32 ulps
    /// measured, relative to max(1, |reference|).
    static let tolerance: Float = 5e-6

    @Test func foldedPipelineAndProducerSideGeluMatchOnnxruntime() throws {
        let cluster = try PipelineCluster(name: "exports", workers: 2)
        defer { cluster.shutdown() }
        for model in ["sklearn-pipeline-mlp", "export-opset21", "sklearn-pipeline-mlp-binary"] {
            try Self.expectMatchesOnnxruntime(model, through: cluster)
        }
    }

    /// PRelu with per-unit slopes applied by the workers (the model travels as protocol 2 with the
    /// permuted slopes) and checked by the verifier, then Gelu (tanh) and Gelu by the producer.
    @Test func preluOnWorkersMatchesOnnxruntime() throws {
        let cluster = try PipelineCluster(name: "exports-prelu", workers: 2)
        defer { cluster.shutdown() }
        let rows = try Self.expectMatchesOnnxruntime("export-opset20", through: cluster)
        // Four layers in three segments: the PRelu layer chains into the next on the workers.
        #expect(Set(rows.compactMap(\.segment)) == [0, 1, 2], "\(rows.compactMap(\.segment))")
    }

    /// Submits fixture `model` on the digits inputs in batches of 40 and compares the outputs and
    /// labels with onnxruntime's, and the audit rows with a passed job; returns the job's audit rows.
    @discardableResult
    static func expectMatchesOnnxruntime(_ model: String, through cluster: PipelineCluster) throws -> [AuditRecord] {
        let inputs = RepositoryPaths.fixture("digits-inputs.npy")
        let job = try cluster.submit(model: RepositoryPaths.fixture("\(model).onnx"), input: inputs, batchSize: 40)
        #expect(job.status == 0, "\(model): submit failed: \(job.stderr)\n\(cluster.diagnostics())")
        let outputs = try DataFile.readMatrix(at: job.outputs)
        let reference = try DataFile.readMatrix(at: RepositoryPaths.fixture("\(model)-reference.npy"))
        #expect(outputs.rows == reference.rows && outputs.columns == reference.columns, "\(model)")
        let worst = zip(outputs.elements, reference.elements).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        #expect(worst <= tolerance, "\(model): worst relative deviation \(worst)")
        #expect(try DataFile.readLabels(at: job.labels) == reference.rowArgmax(), "\(model)")
        let rows = try cluster.auditRows(job: job.id)
        #expect(rows.count >= 3 && rows.allSatisfy { $0.verdict == .passed }, "\(model): \(rows.map(\.verdict))")
        return rows
    }
}

/// Masked mode through the broker on every fixture model (the digits models and every export pattern):
/// each job's outputs equal the in-process masked run's bit for bit — and that run is held to the
/// quantization bound and ≥ 99.5 % label agreement on the same fixtures (`MaskedInferenceTests`) —
/// and the labels agree with onnxruntime's on at least 99.5 % of rows.
@Suite("Masked mode through the broker, every fixture", .serialized)
struct MaskedExportPipelineTests {
    static let models = ["digits-pytorch", "digits-keras", "digits-sklearn", "digits-sigmoid", "digits-tanh", "digits-leakyrelu",
                         "digits-logits", "export-torch-activations", "export-torch-standardize-bn", "export-tf2onnx-opset9",
                         "export-external", "export-opset10", "export-opset11", "export-opset12", "export-opset14",
                         "export-opset15", "export-opset16", "export-opset17", "export-opset18", "export-opset19",
                         "export-opset20", "export-opset21", "sklearn-pipeline-mlp", "sklearn-pipeline-mlp-binary",
                         "sklearn-mlp-binary", "sklearn-mlp-regressor", "sklearn-logistic", "sklearn-logistic-binary",
                         "sklearn-linear-regression"]

    @Test func everyFixtureMatchesTheInProcessMaskedRun() throws {
        let cluster = try PipelineCluster(name: "masked-fixtures", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        try cluster.startPools()
        let inputsURL = RepositoryPaths.fixture("digits-inputs.npy")
        let inputs = try DataFile.readMatrix(at: inputsURL)
        for model in Self.models {
            let modelURL = RepositoryPaths.fixture("\(model).onnx")
            let job = try cluster.submit(model: modelURL, input: inputsURL, batchSize: 360, privacy: "masked")
            #expect(job.status == 0, "\(model): \(job.stderr)\n\(cluster.diagnostics())")
            guard job.status == 0 else { continue }
            let network = try ONNXImporter.load(contentsOf: modelURL)
            let inProcess = try InProcessMaskedInference(batchSize: 360).run(network: network, input: inputs).output
            #expect(try DataFile.readMatrix(at: job.outputs) == inProcess, "\(model)")
            let reference = try DataFile.readMatrix(at: RepositoryPaths.fixture("\(model)-reference.npy"))
            if reference.columns > 1 {
                let labels = try DataFile.readLabels(at: job.labels)
                let agreement = Double(zip(labels, reference.rowArgmax()).filter { $0 == $1 }.count) / Double(labels.count)
                #expect(agreement >= 0.995, "\(model): label agreement with onnxruntime \(agreement)")
            }
            #expect(try cluster.auditRows(job: job.id).allSatisfy { $0.verdict == .passed && $0.privacyMode == "masked" }, "\(model)")
        }
    }
}
