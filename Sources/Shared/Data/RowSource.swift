/// Rows of a data set read on demand, a batch at a time, so that a job's memory does not grow with its
/// size: a validated `.npy` file (`NPYRowFile`) or a matrix already in memory.
public protocol RowSource: Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// Rows `range` (within `0..<rows`) as a matrix. Throws `DataFileError` when the file cannot be read.
    func rows(_ range: Range<Int>) throws -> Matrix
}

extension Matrix: RowSource {
    public func rows(_ range: Range<Int>) throws -> Matrix { selectingRows(range) }
}
