import Foundation

/// Writes NumPy `.npy` files (format 1.0, little-endian, C order) that `numpy.load` and `NPYReader`
/// read back exactly.
enum NPYWriter {
    /// A float32 (`<f4`) array of shape (rows, columns).
    static func encoded(_ matrix: Matrix) -> Data {
        var data = NPYHeader.encoded(descr: "<f4", shape: [matrix.rows, matrix.columns])
        PackedNumbers.appendLittleEndian(matrix.elements, to: &data)
        return data
    }

    /// An int64 (`<i8`) array of shape (n,).
    static func encoded(labels: [Int]) -> Data {
        var data = NPYHeader.encoded(descr: "<i8", shape: [labels.count])
        PackedNumbers.appendLittleEndian(labels, to: &data)
        return data
    }
}
