import Foundation

/// One schema migration: a file named `NNNN_name.sql` (four-digit version, lowercase name) whose SQL is
/// applied once, in version order, by ``MigrationRunner``.
public struct Migration: Sendable, Equatable {
    /// The version, from the file name's four digits (`0001_audit.sql` → 1). Unique within a directory.
    public let version: Int
    /// The name after the version, without extension (`0001_audit.sql` → `audit`).
    public let name: String
    /// The file name, e.g. `0001_audit.sql`.
    public let fileName: String
    /// The SQL text. It must not contain BEGIN/COMMIT: the runner wraps all pending migrations in one
    /// transaction.
    public let sql: String
    /// Lowercase hex SHA-256 of the file's bytes, recorded when applied so that a file edited afterwards
    /// is detected instead of silently diverging from the databases it already ran on.
    public let checksum: String

    /// Builds a migration from a file name and its contents.
    ///
    /// - Returns: `nil` if `fileName` does not have the form `NNNN_name.sql` (name: `a-z`, `0-9`, `_`).
    /// - Throws: ``MigrationError`` with code `MigrationError.Code.unreadableFile` if the bytes are not
    ///   UTF-8.
    public init?(fileName: String, contents: Data) throws {
        guard let (version, name) = Migration.parse(fileName: fileName) else { return nil }
        guard let sql = String(data: contents, encoding: .utf8) else {
            throw MigrationError(code: .unreadableFile, message: "\(fileName) is not valid UTF-8")
        }
        self.version = version
        self.name = name
        self.fileName = fileName
        self.sql = sql
        self.checksum = sha256Hex(contents)
    }

    /// The version and name encoded in `NNNN_name.sql`, or nil if the name has another form.
    static func parse(fileName: String) -> (Int, String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        let digits = stem.prefix(4)
        let rest = stem.dropFirst(4)
        guard digits.count == 4, digits.allSatisfy(\.isASCIIDigit), let version = Int(digits),
              rest.first == "_" else { return nil }
        let name = rest.dropFirst()
        guard !name.isEmpty,
              name.allSatisfy({ $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "_" }) else { return nil }
        return (version, String(name))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
