import Foundation
import SecureNets

/// Refuses unusable input before any work starts (nothing is published for a bad file), and opens it
/// for reading by batches: a `.npy` file in place (`NPYRowFile`), a CSV file converted once, streaming,
/// to a private `.npy` file (`CSVRowStream.convert`). Memory stays one batch whatever the file's size.
enum InputValidation {
    /// The rows of `path`, checked against `network`'s input width. A CSV file is converted to
    /// `csvScratch` (which the caller owns and keeps as long as it reads the rows).
    static func open(_ path: String, for network: Network, csvScratch: URL) throws -> RowSource {
        let url = URL(fileURLWithPath: path)
        let rows: NPYRowFile
        switch url.pathExtension.lowercased() {
        case "csv":
            _ = try CSVRowStream.convert(url, toNPY: csvScratch)
            rows = try NPYRowFile(url: csvScratch)
        case "npy":
            rows = try NPYRowFile(url: url)
        default:
            throw DataFileError(.unsupportedFormat, file: path, problem: "unknown extension '.\(url.pathExtension)'; data files are .npy or .csv")
        }
        try check(rows, path: path, for: network)
        return rows
    }

    static func check(_ rows: RowSource, path: String, for network: Network) throws {
        guard rows.rows > 0 else { throw InputError(path: path, problem: "has no rows") }
        guard rows.columns == network.inputCount else {
            throw InputError(path: path, problem: "has \(rows.columns) features per row, the model expects \(network.inputCount)")
        }
    }
}

struct InputError: Error, CustomStringConvertible {
    let path: String
    let problem: String
    var description: String { "\(path) \(problem)" }
}
