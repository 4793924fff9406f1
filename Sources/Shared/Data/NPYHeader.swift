import Foundation

/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0): the element type, the
/// memory order, the shape and where the data starts.
///
/// Layout: the magic `\x93NUMPY`, a major and a minor version byte, the header length (2 bytes
/// little-endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python dictionary literal with exactly the
/// keys `descr`, `fortran_order` and `shape`, padded with spaces and ended by a newline.
struct NPYHeader {
    /// The element type as written, e.g. `<f4`.
    var descr: String
    var elementFormat: PackedNumberFormat
    /// True when the data is stored column-major (Fortran order).
    var isFortranOrder: Bool
    var shape: [Int]
    /// Offset of the first data byte from the start of the file.
    var dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Element types SecureNets reads, named the way error messages list them.
    static let supportedTypes = "float32 or float64 ('<f4', '<f8', '>f4', '>f8') or, for labels, int32 or int64"

    /// The longest header dictionary read: NumPy writes about 120 bytes for a 2-D array, so a larger
    /// claim is refused before it is read.
    static let maxLength = 1 << 16

    /// Reads and parses the header from the start of the open file `handle`, reading no more than
    /// the header itself (at most `maxLength` bytes of dictionary), so that the shape can be checked
    /// before the data is read. Leaves the handle just after the header.
    ///
    /// Throws `DataFileError` as `parse` does, `.malformedHeader` for a length over `maxLength`,
    /// `.unreadable` when reading fails.
    static func read(from handle: FileHandle, file: String) throws -> NPYHeader {
        func readBytes(_ count: Int) throws -> Data {
            do { return try handle.read(upToCount: count) ?? Data() } catch {
                throw DataFileError(.unreadable, file: file, problem: "cannot read the file (\(error.localizedDescription))")
            }
        }
        // Magic, version and the 2- or 4-byte length; `parse` explains what is wrong with short ones.
        var prelude = try readBytes(10)
        if prelude.count == 10, prelude[prelude.startIndex + 6] != 1 { prelude += try readBytes(2) }
        let length = prelude.withUnsafeBytes { declaredLength(in: $0) }
        guard let length else { return try prelude.withUnsafeBytes { try parse($0, file: file) } }
        guard length <= maxLength else {
            throw DataFileError(.malformedHeader, file: file,
                                problem: "the header claims \(length) bytes; at most \(maxLength) are accepted")
        }
        let dictionary = try readBytes(length)
        return try (prelude + dictionary).withUnsafeBytes { try parse($0, file: file) }
    }

    /// The header length that `bytes` (the start of a file) declares, or nil when they are too short
    /// or not a supported magic and version (`parse` then says why).
    private static func declaredLength(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic), bytes[7] == 0 else { return nil }
        switch bytes[6] {
        case 1: return Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        case 2, 3:
            guard bytes.count >= 12 else { return nil }
            return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        default: return nil
        }
    }

    /// Parses the header at the start of `bytes`; `file` names the file in errors.
    ///
    /// Throws `DataFileError` (`.malformedHeader`, `.unsupportedElementType`) naming the file and the
    /// problem. Does not look at the data after the header.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws -> NPYHeader {
        func malformed(_ problem: String) -> DataFileError {
            DataFileError(.malformedHeader, file: file, problem: problem)
        }
        guard bytes.count >= 10 else {
            throw malformed("\(bytes.count) bytes is too short for an .npy file")
        }
        guard bytes.prefix(6).elementsEqual(magic) else {
            throw malformed("not an .npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthWidth: Int
        switch (major, minor) {
        case (1, 0): lengthWidth = 2
        case (2, 0), (3, 0): lengthWidth = 4
        default: throw malformed(".npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
        }
        guard let headerLength = declaredLength(in: bytes) else {
            throw malformed("the file ends inside the header length")
        }
        let headerStart = 8 + lengthWidth
        guard headerLength <= bytes.count - headerStart else {
            throw malformed("the header claims \(headerLength) bytes, but only \(bytes.count - headerStart) follow")
        }
        // Versions 1.0 and 2.0 store the dictionary as Latin-1, 3.0 as UTF-8.
        let headerBytes = Data(bytes[headerStart..<(headerStart + headerLength)])
        guard let text = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw malformed("the header is not valid \(major == 3 ? "UTF-8" : "Latin-1") text")
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(text)
        } catch {
            throw malformed("the header dictionary is malformed: \(error.message)")
        }
        var header = try fields(of: literal, file: file)
        header.dataOffset = headerStart + headerLength
        return header
    }

    private static func fields(of literal: PythonLiteral, file: String) throws -> NPYHeader {
        func malformed(_ problem: String) -> DataFileError {
            DataFileError(.malformedHeader, file: file, problem: problem)
        }
        guard case .dictionary(let entries) = literal else {
            throw malformed("the header is not a dictionary")
        }
        var descr: String?, fortranOrder: Bool?, shape: [Int]?
        for (key, value) in entries {
            switch (key, value) {
            case ("descr", .string(let text)) where descr == nil: descr = text
            case ("fortran_order", .boolean(let flag)) where fortranOrder == nil: fortranOrder = flag
            case ("shape", .tuple(let items)) where shape == nil:
                shape = try items.map { item in
                    guard case .integer(let dim) = item, dim >= 0 else {
                        throw malformed("the shape must be a tuple of non-negative integers")
                    }
                    return dim
                }
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw malformed("the header key '\(key)' is repeated or has the wrong type")
            default:
                throw malformed("unexpected header key '\(key)'")
            }
        }
        guard let descr, let fortranOrder, let shape else {
            throw malformed("the header must have the keys 'descr', 'fortran_order' and 'shape'")
        }
        guard let format = elementFormat(descr) else {
            throw DataFileError(.unsupportedElementType, file: file,
                                problem: "element type '\(descr)' is not supported; expected \(supportedTypes)")
        }
        return NPYHeader(descr: descr, elementFormat: format, isFortranOrder: fortranOrder, shape: shape,
                         dataOffset: 0)
    }

    /// The format of a `descr` such as `<f4`, or nil for types SecureNets does not read.
    private static func elementFormat(_ descr: String) -> PackedNumberFormat? {
        let characters = Array(descr)
        guard characters.count == 3, let width = Int(String(characters[2])), width == 4 || width == 8 else {
            return nil
        }
        let kind: PackedNumberFormat.Kind
        switch characters[1] {
        case "f": kind = .floatingPoint
        case "i": kind = .signedInteger
        default: return nil
        }
        switch characters[0] {
        // '=' is native order; every platform Swift on Linux and macOS runs on is little-endian.
        case "<", "=": return PackedNumberFormat(kind: kind, width: width, isBigEndian: false)
        case ">": return PackedNumberFormat(kind: kind, width: width, isBigEndian: true)
        default: return nil
        }
    }

    /// A version 1.0 header for a C-order array, padded with spaces so that the data starts on a
    /// 64-byte boundary as NumPy does (readers may then map the data aligned).
    ///
    /// `minimumLength` pads further (in 64-byte steps) so that a header written before the final
    /// shape is known can be rewritten in place with the same length (`NPYRowWriter`).
    static func encoded(descr: String, shape: [Int], minimumLength: Int = 0) -> Data {
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tupleLiteral(shape)), }"
        let unpadded = magic.count + 2 + 2 + dictionary.utf8.count + 1
        let total = max((unpadded + 63) / 64 * 64, (minimumLength + 63) / 64 * 64)
        dictionary += String(repeating: " ", count: total - unpadded) + "\n"
        var data = Data(magic + [1, 0])
        let length = UInt16(dictionary.utf8.count).littleEndian
        withUnsafeBytes(of: length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(dictionary.utf8))
        return data
    }

    /// A shape as a Python tuple, the way headers store it and NumPy prints it: `(100, 64)`, `(5,)`.
    static func tupleLiteral(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
