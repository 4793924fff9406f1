/// A dense row-major matrix of `Float` (float32): the one tensor type of SecureNets.
///
/// Row convention: one sample per row. Every product goes through BLAS (see `BLAS.swift`);
/// this type only owns storage and shape. Invariant: `elements.count == rows * columns`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var elements: [Float]

    /// Wraps `elements` (row-major). Traps if the count does not match the shape: callers that read
    /// shapes from untrusted input validate them first (see `TensorLimits`).
    public init(rows: Int, columns: Int, elements: [Float]) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape \(rows)×\(columns)")
        precondition(elements.count == rows * columns,
                     "matrix \(rows)×\(columns) needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, elements: [Float](repeating: 0, count: rows * columns))
    }

    /// Builds a matrix from nested rows; all rows must have the same length.
    public init(_ nested: [[Float]]) {
        let columns = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(rows: nested.count, columns: columns, elements: nested.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Float {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// The elements of one row, copied.
    public func row(_ index: Int) -> ArraySlice<Float> {
        elements[(index * columns)..<((index + 1) * columns)]
    }

    /// "rows×columns", for error messages.
    public var shapeDescription: String { "\(rows)×\(columns)" }

    /// True when every element is finite (no NaN, no ±Inf).
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }

    /// The transpose, copied.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        elements.withUnsafeBufferPointer { source in
            result.elements.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<columns { target[c * rows + r] = source[r * columns + c] }
                }
            }
        }
        return result
    }

    /// The matrix with a column of ones appended: homogeneous coordinates `[X | 1]`.
    public func appendingOnesColumn() -> Matrix {
        var result = Matrix(rows: rows, columns: columns + 1)
        for r in 0..<rows {
            for c in 0..<columns { result.elements[r * (columns + 1) + c] = elements[r * columns + c] }
            result.elements[r * (columns + 1) + columns] = 1
        }
        return result
    }

    /// The matrix without its last column (drops the homogeneous coordinate).
    public func droppingLastColumn() -> Matrix {
        precondition(columns > 0)
        return selectingColumns(0..<(columns - 1))
    }

    /// Columns `range`, copied.
    public func selectingColumns(_ range: Range<Int>) -> Matrix {
        var result = Matrix(rows: rows, columns: range.count)
        for r in 0..<rows {
            for (k, c) in range.enumerated() { result.elements[r * range.count + k] = elements[r * columns + c] }
        }
        return result
    }

    /// Rows `range`, copied.
    public func selectingRows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               elements: Array(elements[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Stacks matrices with equal column counts vertically.
    public static func stacking(_ parts: [Matrix], columns: Int) -> Matrix {
        precondition(parts.allSatisfy { $0.columns == columns })
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns,
                      elements: parts.flatMap { $0.elements })
    }
}
