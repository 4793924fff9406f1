import Foundation
import SecureNets

/// Writes a `Matrix` as a NumPy `.npy` file (format 1.0, little-endian float32, C order), the form the
/// onnxruntime script loads with `numpy.load`.
enum NPYFile {
    static func write(_ matrix: Matrix, to url: URL) throws {
        try write(matrix.elements, shape: [matrix.rows, matrix.columns], to: url)
    }

    static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        precondition(shape.reduce(1, *) == values.count)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // magic (6) + version (2) + length (2) + header + "\n" must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { data.append(contentsOf: $0) }  // x86-64 and arm64 are little-endian
        try data.write(to: url)
    }
}
