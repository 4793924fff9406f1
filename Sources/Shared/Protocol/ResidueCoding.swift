import CModP
import Crypto

/// How a matrix of residues mod p travels in the blob of a masked-mode frame (docs/PROTOCOL.md §14):
/// `rows u32 | columns u32 | rows·columns u32`, little-endian, row-major, every element below p.
/// Its digest is the SHA-256 of exactly these bytes.
public enum ResidueCoding {
    /// Appends `matrix`'s encoding to `bytes`.
    public static func append(_ matrix: ResidueMatrix, to bytes: inout [UInt8]) {
        forEachPart(matrix) { bytes.append(contentsOf: $0) }
    }

    /// The encoding of `matrices`, one after the other.
    public static func encode(_ matrices: [ResidueMatrix]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(matrices.reduce(0) { $0 + 8 + 4 * $1.elements.count })
        for matrix in matrices { append(matrix, to: &bytes) }
        return bytes
    }

    /// SHA-256 (hex) of `matrix`'s encoding, hashed in place.
    public static func digest(_ matrix: ResidueMatrix) -> String {
        var hasher = SHA256()
        forEachPart(matrix) { hasher.update(bufferPointer: $0) }
        return Digest.hex(hasher.finalize())
    }

    /// Decodes the matrices of a blob, in order. Each declared size is checked against
    /// `maxElements` and the bytes left before anything is allocated; every element must be a residue.
    /// Throws `FrameError` (sizes, truncation, trailing bytes) or `MaskedModeError.notResidues`.
    public static func decode(_ blob: [UInt8], maxElements: Int = FrameLimits.default.maxTensorElements) throws -> [ResidueMatrix] {
        try decode(blob, range: 0..<blob.count, maxElements: maxElements)
    }

    /// The same for the blob at `range` of `bytes` (a whole frame: the blob is read where it lies, not
    /// copied out first). Each matrix is copied once, and checked for residues in that copy.
    static func decode(_ bytes: [UInt8], range: Range<Int>, maxElements: Int) throws -> [ResidueMatrix] {
        var matrices: [ResidueMatrix] = []
        var offset = range.lowerBound
        func word(at position: Int) -> UInt32 {
            UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
        }
        while offset < range.upperBound {
            let field = "residue matrix \(matrices.count)"
            guard range.upperBound - offset >= 8 else {
                throw FrameError.truncated(field: "\(field) shape", needed: 8, available: range.upperBound - offset)
            }
            let rows = Int(word(at: offset)), columns = Int(word(at: offset + 4))
            offset += 8
            let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
            guard !overflow, count <= maxElements else {
                throw FrameError.fieldTooLarge(field: "\(field) (\(rows)×\(columns))", size: overflow ? Int.max : count, limit: maxElements)
            }
            guard range.upperBound - offset >= 4 * count else {
                throw FrameError.truncated(field: "\(field) data (\(rows)×\(columns))", needed: 4 * count, available: range.upperBound - offset)
            }
            var bad = 0
            let elements = [UInt32](unsafeUninitializedCapacity: count) { target, initialized in
                bytes.withUnsafeBufferPointer { source in
                    if count > 0 { bad = sn_modp_copy_residues(source.baseAddress! + offset, count, target.baseAddress!) }
                }
                initialized = count
            }
            guard bad == 0 else { throw MaskedModeError.notResidues(what: field, count: bad) }
            offset += 4 * count
            matrices.append(ResidueMatrix(rows: rows, columns: columns, checkedElements: elements))
        }
        return matrices
    }

    private static func forEachPart(_ matrix: ResidueMatrix, _ body: (UnsafeRawBufferPointer) -> Void) {
        withUnsafeBytes(of: (UInt32(matrix.rows).littleEndian, UInt32(matrix.columns).littleEndian)) { body($0) }
        #if _endian(little)
        matrix.elements.withUnsafeBytes { body($0) }
        #else
        matrix.elements.map(\.littleEndian).withUnsafeBytes { body($0) }
        #endif
    }
}
