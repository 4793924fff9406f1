import Foundation

/// Hand-made `.npy` files for the reader's error cases: any header text, version and payload.
enum NPYBytes {
    /// `\x93NUMPY`, the version, the header length and `header` padded to 64 bytes plus `payload`.
    static func file(header: String, version: (UInt8, UInt8) = (1, 0), payload: Data) -> Data {
        let lengthWidth = version.0 == 1 ? 2 : 4
        var text = header
        let unpadded = 8 + lengthWidth + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version.0, version.1])
        if lengthWidth == 2 {
            withUnsafeBytes(of: UInt16(text.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        } else {
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: Array(text.utf8))
        return data + payload
    }

    /// A header dictionary as NumPy writes it.
    static func header(descr: String, fortranOrder: Bool = false, shape: String) -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }"
    }

    /// `values` packed big-endian with `width` bytes each (4: float32, 8: float64).
    static func bigEndian(_ values: [Double], width: Int) -> Data {
        var data = Data()
        for value in values {
            if width == 4 {
                withUnsafeBytes(of: Float(value).bitPattern.bigEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: value.bitPattern.bigEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}
