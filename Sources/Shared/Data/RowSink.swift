import Foundation

/// Where outputs go, a batch at a time, so that memory does not grow with the job: a `.npy` file
/// pre-sized for every row and written at each batch's place (`NPYRowWriter`), or CSV appended in
/// order (`CSVRowAppender`). Both write to `<path>.partial` and rename it over the final path in
/// `finish`, so a reader never sees half a file.
public protocol RowSink: AnyObject {
    /// Writes `matrix` as rows `row ..< row + matrix.rows`. A CSV sink takes rows in order only.
    func write(_ matrix: Matrix, atRow row: Int) throws
    /// Flushes, syncs and moves the file into place.
    func finish() throws
}

extension DataFile {
    /// A sink for `rows` × `columns` float32 outputs at `url` (`.npy` or `.csv`, by extension).
    public static func rowSink(at url: URL, rows: Int, columns: Int) throws -> RowSink {
        switch url.pathExtension.lowercased() {
        case "npy": try NPYRowWriter(url: url, descr: "<f4", shape: [rows, columns])
        case "csv": try CSVRowAppender(url: url, labels: false)
        default:
            throw DataFileError(.unsupportedFormat, file: url.path, problem: "unknown extension '.\(url.pathExtension)'; data files are .npy or .csv")
        }
    }

    /// A sink for `count` int64 labels at `url`; write them as a one-column matrix of their values.
    public static func labelSink(at url: URL, count: Int) throws -> RowSink {
        switch url.pathExtension.lowercased() {
        case "npy": try NPYRowWriter(url: url, descr: "<i8", shape: [count])
        case "csv": try CSVRowAppender(url: url, labels: true)
        default:
            throw DataFileError(.unsupportedFormat, file: url.path, problem: "unknown extension '.\(url.pathExtension)'; data files are .npy or .csv")
        }
    }
}

/// A `.npy` file written by rows at their place: the header and the full size first, then each
/// batch with pwrite(2). float32 (`<f4`, rows × columns) or int64 (`<i8`, labels: a one-column matrix
/// whose values are the labels).
final class NPYRowWriter: RowSink {
    let url: URL
    let partial: URL
    let descr: String
    let shape: [Int]
    private let descriptor: Int32
    private let dataOffset: Int

    init(url: URL, descr: String, shape: [Int]) throws {
        self.url = url
        partial = URL(fileURLWithPath: url.path + ".partial")
        self.descr = descr
        self.shape = shape
        descriptor = open(partial.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("cannot create", partial) }
        let header = NPYHeader.encoded(descr: descr, shape: shape)
        dataOffset = header.count
        let width = descr == "<i8" ? 8 : 4
        let total = header.count + shape.reduce(1, *) * width
        guard ftruncate(descriptor, off_t(total)) == 0 else { throw Self.failure("cannot size", partial) }
        try write(Array(header), at: 0)
    }

    deinit { close(descriptor) }

    func write(_ matrix: Matrix, atRow row: Int) throws {
        var bytes = Data()
        if descr == "<i8" {
            PackedNumbers.appendLittleEndian(matrix.elements.map { Int($0) }, to: &bytes)
            try write(Array(bytes), at: dataOffset + 8 * row)
        } else {
            PackedNumbers.appendLittleEndian(matrix.elements, to: &bytes)
            try write(Array(bytes), at: dataOffset + 4 * row * shape[1])
        }
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            guard wrote > 0 else { throw Self.failure("cannot write", partial) }
            done += wrote
        }
    }

    func finish() throws {
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot sync", partial) }
        guard rename(partial.path, url.path) == 0 else { throw Self.failure("cannot move into place", url) }
    }

    static func failure(_ what: String, _ url: URL) -> DataFileError {
        DataFileError(.unwritable, file: url.path, problem: "\(what) the file (\(String(cString: strerror(errno))))")
    }
}

/// CSV written in row order, exactly as `DataFile.write` writes it (one line per row, shortest
/// float32 text; labels one integer per line).
final class CSVRowAppender: RowSink {
    let url: URL
    let partial: URL
    let labels: Bool
    private let handle: FileHandle
    private var nextRow = 0

    init(url: URL, labels: Bool) throws {
        self.url = url
        self.labels = labels
        partial = URL(fileURLWithPath: url.path + ".partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw NPYRowWriter.failure("cannot create", partial)
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    func write(_ matrix: Matrix, atRow row: Int) throws {
        precondition(row == nextRow, "CSV rows are written in order: expected row \(nextRow), got \(row)")
        let text = labels ? CSVWriter.text(of: matrix.elements.map { Int($0) }) : CSVWriter.text(of: matrix)
        do { try handle.write(contentsOf: Data(text.utf8)) } catch { throw NPYRowWriter.failure("cannot write", partial) }
        nextRow += matrix.rows
    }

    func finish() throws {
        do { try handle.synchronize() } catch { throw NPYRowWriter.failure("cannot sync", partial) }
        guard rename(partial.path, url.path) == 0 else { throw NPYRowWriter.failure("cannot move into place", url) }
    }
}
