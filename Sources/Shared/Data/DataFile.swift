import Foundation

/// Reads and writes the data files a user has (DESIGN §6): `.npy` and CSV, chosen by extension.
///
/// Matrices are float32, one sample per row; float64 files are rounded to float32. Every failure
/// is a `DataFileError` whose description names the file and, for CSV, the line.
public enum DataFile {
    /// The file formats, by extension (case-insensitive).
    private enum Format {
        case npy, csv

        init(of url: URL) throws {
            try self.init(pathExtension: url.pathExtension, file: url.path)
        }

        init(pathExtension: String, file: String) throws {
            switch pathExtension.lowercased() {
            case "npy": self = .npy
            case "csv": self = .csv
            default:
                throw DataFileError(.unsupportedFormat, file: file,
                                    problem: "unknown extension '.\(pathExtension)'; data files are .npy or .csv")
            }
        }
    }

    /// Reads a 2-D matrix (rows = samples) from `.npy` (float32/float64, either byte order, C or
    /// Fortran order) or CSV (numbers only, optional header line; see `CSVReader` for the rule).
    ///
    /// An `.npy` file's header is read first: its shape is checked against `TensorLimits` and the
    /// file's size before any data is read, so memory use is bounded by the file, never by its claim.
    ///
    /// - Throws: `DataFileError` for an unknown extension, an unreadable file, or any malformed
    ///   content (see `DataFileError.Code`); never traps on bad input.
    public static func readMatrix(at url: URL) throws -> Matrix {
        switch try Format(of: url) {
        case .npy: try NPYReader.matrix(contentsOf: url)
        case .csv: try CSVReader.matrix(from: try text(of: try contents(of: url), file: url.path), file: url.path)
        }
    }

    /// Reads a matrix from the bytes of a data file, as `readMatrix(at:)` reads the file: `name`
    /// (a file name or path) picks the format by its extension and names the data in errors.
    ///
    /// - Throws: `DataFileError` as `readMatrix(at:)` does, never `.unreadable`.
    public static func readMatrix(from data: Data, named name: String) throws -> Matrix {
        try matrix(from: data, format: Format(pathExtension: (name as NSString).pathExtension, file: name), file: name)
    }

    /// Reads integer labels: `.npy` int32/int64 of shape (n,) or (n, 1), or CSV with one integer per
    /// line (optional header line).
    ///
    /// - Throws: `DataFileError` as `readMatrix(at:)` does.
    public static func readLabels(at url: URL) throws -> [Int] {
        switch try Format(of: url) {
        case .npy: try NPYReader.labels(contentsOf: url)
        case .csv: try CSVReader.labels(from: try text(of: try contents(of: url), file: url.path), file: url.path)
        }
    }

    /// Reads labels from the bytes of a data file, as `readLabels(at:)` reads the file; `name` picks
    /// the format by its extension and names the data in errors.
    ///
    /// - Throws: `DataFileError` as `readLabels(at:)` does, never `.unreadable`.
    public static func readLabels(from data: Data, named name: String) throws -> [Int] {
        try labels(from: data, format: Format(pathExtension: (name as NSString).pathExtension, file: name), file: name)
    }

    private static func matrix(from data: Data, format: Format, file: String) throws -> Matrix {
        switch format {
        case .npy: try NPYReader.matrix(from: data, file: file)
        case .csv: try CSVReader.matrix(from: try text(of: data, file: file), file: file)
        }
    }

    private static func labels(from data: Data, format: Format, file: String) throws -> [Int] {
        switch format {
        case .npy: try NPYReader.labels(from: data, file: file)
        case .csv: try CSVReader.labels(from: try text(of: data, file: file), file: file)
        }
    }

    /// Writes `matrix` as `.npy` (float32 `<f4`, shape (rows, columns)) or CSV (one row per line, no
    /// header), replacing any existing file atomically.
    ///
    /// - Throws: `DataFileError` for an unknown extension or a failed write.
    public static func write(_ matrix: Matrix, to url: URL) throws {
        try write(try encoded(matrix, for: url), to: url)
    }

    /// The bytes `write(_:to:)` writes for `matrix` at `url`, for callers that write files their own
    /// way (the producer's journal writes them owner-only and synced).
    ///
    /// - Throws: `DataFileError` for an unknown extension.
    public static func encoded(_ matrix: Matrix, for url: URL) throws -> Data {
        switch try Format(of: url) {
        case .npy: NPYWriter.encoded(matrix)
        case .csv: Data(CSVWriter.text(of: matrix).utf8)
        }
    }

    /// Writes `labels` as `.npy` (int64 `<i8`, shape (n,)) or CSV (one label per line).
    ///
    /// - Throws: `DataFileError` for an unknown extension or a failed write.
    public static func writeLabels(_ labels: [Int], to url: URL) throws {
        switch try Format(of: url) {
        case .npy: try write(NPYWriter.encoded(labels: labels), to: url)
        case .csv: try write(Data(CSVWriter.text(of: labels).utf8), to: url)
        }
    }

    private static func contents(of url: URL) throws -> Data {
        do {
            // Mapped: a large text file is paged in as it is decoded instead of copied first.
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw DataFileError(.unreadable, file: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
    }

    private static func text(of data: Data, file: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(.unsupportedFormat, file: file, problem: "the file is not UTF-8 text")
        }
        // Spreadsheet exports often start with a byte-order mark; it is not part of the first cell.
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    private static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw DataFileError(.unwritable, file: url.path, problem: "cannot write the file (\(error.localizedDescription))")
        }
    }
}
