import Foundation

/// A 2-D float `.npy` file read by rows (C or Fortran order, float32 or float64, either byte order),
/// without loading it: memory is one batch, whatever the file's size.
///
/// Opening reads and checks the header, checks the data size against the file, then reads the data
/// once in blocks to refuse NaN or infinite values before any batch is used, naming the element.
/// The total size is bounded by the file itself (and `Int`), not by `TensorLimits`: a batch is what
/// must fit in memory, so `rows(_:)` refuses a range of more than `TensorLimits.maxElements` values.
public final class NPYRowFile: RowSource, @unchecked Sendable {
    // @unchecked: every stored property is immutable; reads use pread(2) on the descriptor, which
    // has no shared file offset, so concurrent calls are safe.
    public let url: URL
    public let rows: Int
    public let columns: Int
    private let header: NPYHeader
    private let descriptor: Int32

    /// Elements decoded per block while validating (4 MiB of float32).
    static let validationBlock = 1 << 20

    public init(url: URL) throws {
        self.url = url
        let file = url.path
        descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DataFileError(.unreadable, file: file, problem: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        do {
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
            header = try NPYHeader.read(from: handle, file: file)
            guard header.elementFormat.kind == .floatingPoint, header.shape.count == 2 else {
                throw DataFileError(.unsupportedShape, file: file,
                                    problem: "expected a 2-D float32 or float64 array, found '\(header.descr)' of shape \(NPYHeader.tupleLiteral(header.shape))")
            }
            rows = header.shape[0]
            columns = header.shape[1]
            let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
            let (bytes, overflowBytes) = count.multipliedReportingOverflow(by: header.elementFormat.width)
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw DataFileError(.unreadable, file: file, problem: "cannot read the file's size (\(String(cString: strerror(errno))))")
            }
            let present = Int(status.st_size) - header.dataOffset
            guard !overflow, !overflowBytes, bytes == present else {
                throw DataFileError(.sizeMismatch, file: file,
                                    problem: "shape \(NPYHeader.tupleLiteral(header.shape)) of '\(header.descr)' needs \(overflow || overflowBytes ? "more than \(Int.max)" : String(bytes)) data bytes, the file has \(present)")
            }
            try validate()
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Every stored value is finite and within float32, checked in file order.
    private func validate() throws {
        let total = rows * columns
        var start = 0
        while start < total {
            let count = min(Self.validationBlock, total - start)
            let values = try read(elements: start, count: count)
            if let offset = values.firstIndex(where: { !$0.isFinite }) {
                let index = start + offset
                // In Fortran order the file runs down the columns.
                let (row, column) = header.isFortranOrder ? (index % rows, index / rows) : (index / columns, index % columns)
                throw DataFileError(.nonFiniteValue, file: url.path,
                                    problem: "element [\(row), \(column)] is NaN, infinite or beyond the float32 range")
            }
            start += count
        }
    }

    public func rows(_ range: Range<Int>) throws -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        let (count, overflow) = range.count.multipliedReportingOverflow(by: columns)
        guard !overflow, count <= TensorLimits.maxElements else {
            throw DataFileError(.tooLarge, file: url.path, problem: "a batch of \(range.count) rows exceeds \(TensorLimits.maxElements) values")
        }
        guard header.isFortranOrder else {
            return Matrix(rows: range.count, columns: columns, elements: try read(elements: range.lowerBound * columns, count: count))
        }
        // Fortran order: each column's slice of the batch is contiguous; read them and interleave.
        var elements = [Float](repeating: 0, count: count)
        for column in 0..<columns {
            let slice = try read(elements: column * rows + range.lowerBound, count: range.count)
            for (row, value) in slice.enumerated() { elements[row * columns + column] = value }
        }
        return Matrix(rows: range.count, columns: columns, elements: elements)
    }

    /// `count` stored values from element `start` (file order), decoded to float32.
    private func read(elements start: Int, count: Int) throws -> [Float] {
        let width = header.elementFormat.width
        var bytes = [UInt8](repeating: 0, count: count * width)
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(header.dataOffset + start * width + done))
            }
            guard got > 0 else {
                throw DataFileError(.unreadable, file: url.path,
                                    problem: got == 0 ? "the file shrank while it was read" : "cannot read the file (\(String(cString: strerror(errno))))")
            }
            done += got
        }
        return bytes.withUnsafeBytes { PackedNumbers.floats(from: $0, count: count, format: header.elementFormat) }
    }
}
