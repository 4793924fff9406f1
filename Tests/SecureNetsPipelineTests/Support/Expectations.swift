import Foundation
import SecureNets

/// The references a pipeline run must agree with, computed without the pipeline.
enum Reference {
    static var network: Network { get throws { try ONNXImporter.load(contentsOf: RepositoryPaths.sampleModel) } }
    static var inputs: Matrix { get throws { try DataFile.readMatrix(at: RepositoryPaths.sampleInputs) } }

    /// Plaintext float32 probabilities.
    static func plaintext() throws -> Matrix { try network.forward(try inputs) }

    /// The secure protocol in one process (different random keys, same arithmetic).
    static func inProcessSecure(batchSize: Int) throws -> Matrix {
        try InProcessSecureInference(batchSize: batchSize).run(network: try network, input: try inputs).output
    }

    /// Largest absolute difference between two equally shaped matrices.
    static func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.rows == b.rows && a.columns == b.columns)
        return zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
    }

    /// Blinding and unblinding each add one float32 rounding per value, and the worker rounds each
    /// layer once: on softmax probabilities of this 64-128-64-10 network the difference between two
    /// honest runs with different keys stays orders of magnitude below this.
    static let probabilityTolerance: Float = 1e-4
}
