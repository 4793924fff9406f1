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
