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
            guard header.elementFormat.kind == .floatingPoint else {
                throw DataFileError(.unsupportedElementType, file: file,
                                    problem: "element type '\(header.descr)' is not a float; expected float32 or float64 ('<f4', '<f8', '>f4', '>f8')")
            }
            guard header.shape.count == 2 else {
                throw DataFileError(.unsupportedShape, file: file,
                                    problem: "the array has shape \(NPYHeader.tupleLiteral(header.shape)); expected 2-D (rows, columns)")
            }
            let payload = try payloadBytes(bytes, header: header, file: file)
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
    }

    /// The labels stored in `data`: int32 or int64 of shape (n,) or (n, 1).
    ///
    /// Throws `DataFileError` naming `file` for a malformed header, a non-integer element type,
    /// another shape or a data size that does not match the shape.
    static func labels(from data: Data, file: String) throws -> [Int] {
        try data.withUnsafeBytes { bytes in
            let header = try NPYHeader.parse(bytes, file: file)
            guard header.elementFormat.kind == .signedInteger else {
                throw DataFileError(.unsupportedElementType, file: file,
                                    problem: "element type '\(header.descr)' is not an integer; labels are int32 or int64 ('<i4', '<i8')")
            }
            guard header.shape.count == 1 || (header.shape.count == 2 && header.shape[1] == 1) else {
                throw DataFileError(.unsupportedShape, file: file,
                                    problem: "the array has shape \(NPYHeader.tupleLiteral(header.shape)); labels are 1-D (n,) or (n, 1)")
            }
            let payload = try payloadBytes(bytes, header: header, file: file)
            return PackedNumbers.integers(from: payload, count: header.shape[0], format: header.elementFormat)
        }
    }

    /// The data bytes after the header, checked to be exactly what the shape needs.
    private static func payloadBytes(_ bytes: UnsafeRawBufferPointer, header: NPYHeader,
                                     file: String) throws -> UnsafeRawBufferPointer {
        guard let count = TensorLimits.elementCount(of: header.shape) else {
            throw DataFileError(.tooLarge, file: file,
                                problem: "shape \(NPYHeader.tupleLiteral(header.shape)) exceeds the limit of \(TensorLimits.maxElements) elements")
        }
        let needed = count * header.elementFormat.width
        let present = bytes.count - header.dataOffset
        guard present == needed else {
            let problem = present < needed
                ? "truncated: shape \(NPYHeader.tupleLiteral(header.shape)) of '\(header.descr)' needs \(needed) data bytes, the file has \(present)"
                : "shape \(NPYHeader.tupleLiteral(header.shape)) of '\(header.descr)' needs \(needed) data bytes, but \(present) follow the header (is the shape wrong?)"
            throw DataFileError(.sizeMismatch, file: file, problem: problem)
        }
        return UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
    }
}
