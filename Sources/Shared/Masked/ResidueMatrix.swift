import CModP

/// A dense row-major matrix of residues mod p (`PrimeField`): a masked input X̂, a mask R, or a
/// pool's product Z_A or Z_B.
///
/// Invariant: `elements.count == rows * columns` and every element is below p. Matrices built from
/// untrusted bytes go through the throwing initializer, so the kernels never see a non-residue.
public struct ResidueMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public private(set) var elements: [UInt32]

    /// Wraps `elements` (row-major). Throws `MaskedModeError.shape` when the count does not match
    /// the shape and `.notResidues` when an element is p or more, naming `what` the matrix is.
    public init(rows: Int, columns: Int, elements: [UInt32], what: String = "matrix") throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, elements.count == count else {
            throw MaskedModeError.shape("\(what) is \(rows)×\(columns) but has \(elements.count) elements")
        }
        let bad = elements.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { sn_modp_count_noncanonical($0, buffer.count) } ?? 0
        }
        guard bad == 0 else { throw MaskedModeError.notResidues(what: what, count: bad) }
        self.init(rows: rows, columns: columns, checkedElements: elements)
    }

    /// Wraps elements the caller has produced as residues (the kernels' outputs).
    init(rows: Int, columns: Int, checkedElements elements: [UInt32]) {
        precondition(elements.count == rows * columns, "residue matrix \(rows)×\(columns) with \(elements.count) elements")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose elements are written by `body` (row-major, `rows * columns` residues).
    static func filled(rows: Int, columns: Int, _ body: (UnsafeMutablePointer<UInt32>) -> Void) -> ResidueMatrix {
        let count = rows * columns
        let elements = [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count > 0 { body(base) }
            initialized = count
        }
        return ResidueMatrix(rows: rows, columns: columns, checkedElements: elements)
    }

    public subscript(row: Int, column: Int) -> UInt32 { elements[row * columns + column] }

    /// "rows×columns", for error messages.
    public var shapeDescription: String { "\(rows)×\(columns)" }
}
