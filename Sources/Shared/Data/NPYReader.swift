import Foundation

/// Reads NumPy `.npy` files: 2-D float matrices (inputs) and 1-D integer vectors (labels).
///
/// Every size comes from the untrusted header, so the element count is bounded by
/// `TensorLimits.maxElements` and compared with the bytes actually present before anything is
/// allocated; a file with fewer or more data bytes than its shape needs is refused.
enum NPYReader {
    /// The matrix stored in `data`: float32 or float64 (either byte order, C or Fortran order),
    /// shape (rows, columns). Float64 values are rounded to float32.
    ///
    /// Throws `DataFileError` naming `file`: malformed header, an integer or other element type, a
    /// shape that is not 2-D, too many elements, a data size that does not match the shape, or a
    /// value that is NaN, infinite or beyond float32.
    static func matrix(from data: Data, file: String) throws -> Matrix {
        try data.withUnsafeBytes { bytes in
            let header = try NPYHeader.parse(bytes, file: file)
            try requireMatrix(header, file: file)
            return try decodeMatrix(try payloadBytes(bytes, header: header, file: file), header: header, file: file)
        }
    }

    /// The matrix in the file at `url`, as `matrix(from:file:)` reads it, but reading the header
    /// first: the shape is checked against `TensorLimits` and the file's size before the data is
    /// read, so a lying header costs a few bytes of reading, not its claim.
    ///
    /// Throws `DataFileError` as `matrix(from:file:)` does, and `.unreadable`.
    static func matrix(contentsOf url: URL) throws -> Matrix {
        try withPayload(of: url, check: requireMatrix) { payload, header in
            try decodeMatrix(payload, header: header, file: url.path)
        }
    }

    /// The labels stored in `data`: int32 or int64 of shape (n,) or (n, 1).
    ///
    /// Throws `DataFileError` naming `file` for a malformed header, a non-integer element type,
    /// another shape or a data size that does not match the shape.
    static func labels(from data: Data, file: String) throws -> [Int] {
        try data.withUnsafeBytes { bytes in
            let header = try NPYHeader.parse(bytes, file: file)
            try requireLabels(header, file: file)
            return decodeLabels(try payloadBytes(bytes, header: header, file: file), header: header)
        }
    }

    /// The labels in the file at `url`, as `labels(from:file:)` reads them, checking the header
    /// before reading the data as `matrix(contentsOf:)` does.
    static func labels(contentsOf url: URL) throws -> [Int] {
        try withPayload(of: url, check: requireLabels) { payload, header in decodeLabels(payload, header: header) }
    }

    // MARK: Checks on the header alone

    private static func requireMatrix(_ header: NPYHeader, file: String) throws {
        guard header.elementFormat.kind == .floatingPoint else {
            throw DataFileError(.unsupportedElementType, file: file,
                                problem: "element type '\(header.descr)' is not a float; expected float32 or float64 ('<f4', '<f8', '>f4', '>f8')")
        }
        guard header.shape.count == 2 else {
            throw DataFileError(.unsupportedShape, file: file,
                                problem: "the array has shape \(NPYHeader.tupleLiteral(header.shape)); expected 2-D (rows, columns)")
        }
    }

    private static func requireLabels(_ header: NPYHeader, file: String) throws {
        guard header.elementFormat.kind == .signedInteger else {
            throw DataFileError(.unsupportedElementType, file: file,
                                problem: "element type '\(header.descr)' is not an integer; labels are int32 or int64 ('<i4', '<i8')")
        }
        guard header.shape.count == 1 || (header.shape.count == 2 && header.shape[1] == 1) else {
            throw DataFileError(.unsupportedShape, file: file,
                                problem: "the array has shape \(NPYHeader.tupleLiteral(header.shape)); labels are 1-D (n,) or (n, 1)")
        }
    }

    /// The data bytes the shape needs, bounded by `TensorLimits.maxElements`.
    private static func neededBytes(_ header: NPYHeader, file: String) throws -> Int {
        guard let count = TensorLimits.elementCount(of: header.shape) else {
            throw DataFileError(.tooLarge, file: file,
                                problem: "shape \(NPYHeader.tupleLiteral(header.shape)) exceeds the limit of \(TensorLimits.maxElements) elements")
        }
        return count * header.elementFormat.width
    }

    /// Refuses a file whose data after the header is not exactly what the shape needs.
    private static func requireDataSize(present: Int, needed: Int, header: NPYHeader, file: String) throws {
        guard present != needed else { return }
        let shape = NPYHeader.tupleLiteral(header.shape)
        let problem = present < needed
            ? "truncated: shape \(shape) of '\(header.descr)' needs \(needed) data bytes, the file has \(present)"
            : "shape \(shape) of '\(header.descr)' needs \(needed) data bytes, but \(present) follow the header (is the shape wrong?)"
        throw DataFileError(.sizeMismatch, file: file, problem: problem)
    }

    // MARK: Decoding

    private static func decodeMatrix(_ payload: UnsafeRawBufferPointer, header: NPYHeader, file: String) throws -> Matrix {
        let rows = header.shape[0], columns = header.shape[1]
        let stored = PackedNumbers.floats(from: payload, count: rows * columns, format: header.elementFormat)
        let matrix = header.isFortranOrder
            ? Matrix(rows: columns, columns: rows, elements: stored).transposed()
            : Matrix(rows: rows, columns: columns, elements: stored)
        if let index = matrix.elements.firstIndex(where: { !$0.isFinite }) {
            throw DataFileError(.nonFiniteValue, file: file,
                                problem: "element [\(index / columns), \(index % columns)] is NaN, infinite or beyond the float32 range")
        }
        return matrix
    }

    private static func decodeLabels(_ payload: UnsafeRawBufferPointer, header: NPYHeader) -> [Int] {
        PackedNumbers.integers(from: payload, count: header.shape[0], format: header.elementFormat)
    }

    /// The data bytes after the header, checked to be exactly what the shape needs.
    private static func payloadBytes(_ bytes: UnsafeRawBufferPointer, header: NPYHeader,
                                     file: String) throws -> UnsafeRawBufferPointer {
        try requireDataSize(present: bytes.count - header.dataOffset, needed: neededBytes(header, file: file),
                            header: header, file: file)
        return UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
    }

    /// Opens `url`, reads and checks its header (`check`, the shape's size, the file's size), and
    /// only then reads the data and hands it to `body`.
    private static func withPayload<Result>(
        of url: URL, check: (NPYHeader, String) throws -> Void,
        _ body: (UnsafeRawBufferPointer, NPYHeader) throws -> Result
    ) throws -> Result {
        let file = url.path
        func unreadable(_ error: Error) -> DataFileError {
            DataFileError(.unreadable, file: file, problem: "cannot read the file (\(error.localizedDescription))")
        }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch { throw unreadable(error) }
        defer { try? handle.close() }
        let header = try NPYHeader.read(from: handle, file: file)
        try check(header, file)
        let needed = try neededBytes(header, file: file)
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0 else {
            throw DataFileError(.unreadable, file: file, problem: "cannot read the file's size (\(String(cString: strerror(errno))))")
        }
        try requireDataSize(present: Int(status.st_size) - header.dataOffset, needed: needed, header: header, file: file)
        let payload: Data
        do {
            try handle.seek(toOffset: UInt64(header.dataOffset))
            payload = try handle.read(upToCount: needed) ?? Data()
        } catch { throw unreadable(error) }
        // The file may shrink between fstat and read.
        try requireDataSize(present: payload.count, needed: needed, header: header, file: file)
        return try payload.withUnsafeBytes { try body($0, header) }
    }
}
