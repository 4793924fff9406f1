import Foundation
import SecureNets

/// Refuses unusable input before any work starts (nothing is published for a bad file).
enum InputValidation {
    static func load(_ path: String, for network: Network) throws -> Matrix {
        let matrix = try DataFile.readMatrix(at: URL(fileURLWithPath: path))
        guard matrix.rows > 0 else { throw InputError(path: path, problem: "has no rows") }
        guard matrix.columns == network.inputCount else {
            throw InputError(path: path, problem: "has \(matrix.columns) features per row, the model expects \(network.inputCount)")
        }
        if let index = matrix.elements.firstIndex(where: { !$0.isFinite }) {
            throw InputError(path: path, problem: "row \(index / matrix.columns), column \(index % matrix.columns) is \(matrix.elements[index]) (NaN or infinite values cannot be inferred)")
        }
        return matrix
    }
}

struct InputError: Error, CustomStringConvertible {
    let path: String
    let problem: String
    var description: String { "\(path) \(problem)" }
}
