/// Why a data file (`.npy` or CSV) could not be read or written: names the file, the line where one
/// applies, and what was wrong.
///
/// `description` reads like `inputs.csv, line 7: cell 3 is 'abc', not a number`. Match on `code` to
/// react to a kind of failure; the set of codes may grow.
public struct DataFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case unreadable, unwritable, unsupportedFormat, empty, malformedHeader, unsupportedElementType
            case unsupportedShape, sizeMismatch, tooLarge, notANumber, nonFiniteValue, raggedRows
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file could not be opened or read.
        public static let unreadable = Code(.unreadable)
        /// The file could not be written.
        public static let unwritable = Code(.unwritable)
        /// The extension is neither `.npy` nor `.csv`, or the content is not the format it claims.
        public static let unsupportedFormat = Code(.unsupportedFormat)
        /// The file holds no data.
        public static let empty = Code(.empty)
        /// The `.npy` header (magic, version, length or dictionary) is malformed.
        public static let malformedHeader = Code(.malformedHeader)
        /// The `.npy` element type is not one SecureNets reads.
        public static let unsupportedElementType = Code(.unsupportedElementType)
        /// The array does not have the dimensions asked for (2-D matrix, 1-D labels).
        public static let unsupportedShape = Code(.unsupportedShape)
        /// The bytes present do not match the declared shape (truncated file or lying header).
        public static let sizeMismatch = Code(.sizeMismatch)
        /// The declared shape exceeds `TensorLimits.maxElements`.
        public static let tooLarge = Code(.tooLarge)
        /// A CSV cell is not a number.
        public static let notANumber = Code(.notANumber)
        /// A value is NaN, infinite or beyond the float32 range.
        public static let nonFiniteValue = Code(.nonFiniteValue)
        /// CSV lines have different numbers of cells.
        public static let raggedRows = Code(.raggedRows)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The file's path as given by the caller.
    public let file: String
    /// The 1-based line of a text file the problem is on, when there is one.
    public let line: Int?
    /// What was wrong, in words.
    public let problem: String

    public init(_ code: Code, file: String, line: Int? = nil, problem: String) {
        self.code = code
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "\(file), line \(line): \(problem)" }
        return "\(file): \(problem)"
    }
}
