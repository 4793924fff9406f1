/// Why migrations could not be found, read or applied. Names the file, version or directory concerned.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; see the static members of `ErrorCode where Domain == MigrationError`.
    public typealias Code = ErrorCode<MigrationError>

    /// What failed.
    public let code: Code
    /// A sentence naming the file, version or directories concerned.
    public let message: String
    /// The database error behind `MigrationError.Code.applyFailed`, if any.
    public let underlying: PostgresError?

    /// Creates an error.
    public init(code: Code, message: String, underlying: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let underlying { text += " — \(underlying)" }
        return text
    }
}

extension ErrorCode where Domain == MigrationError {
    /// No migrations directory at the explicit path, the environment's path, or any searched place.
    public static let directoryNotFound = Self("migrations directory not found")
    /// A directory or file could not be read, or a file is not UTF-8.
    public static let unreadableFile = Self("unreadable migration")
    /// A `.sql` file whose name is not `NNNN_name.sql`.
    public static let invalidFileName = Self("invalid migration file name")
    /// Two files share a version number.
    public static let duplicateVersion = Self("duplicate migration version")
    /// A file's checksum differs from the one recorded when it was applied.
    public static let changedAfterApply = Self("migration changed after it was applied")
    /// The database refused a migration's SQL; ``MigrationError/underlying`` has the server's error.
    public static let applyFailed = Self("migration failed")
}
