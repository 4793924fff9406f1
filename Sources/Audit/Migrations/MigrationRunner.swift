import Foundation
import Logging

/// Applies the numbered SQL files of a migrations directory that a database has not seen yet.
///
/// All pending migrations run in one transaction, in version order, after taking a transaction-scoped
/// advisory lock, so several verifiers starting at once serialize: the first applies, the others wait and
/// then find nothing to do. Each applied file is recorded in `schema_migrations(version, name, checksum,
/// applied_at)` in the connection's current schema (the first schema of `search_path`), which is also
/// where unqualified names in the files land.
///
/// The connection must belong to a role that may create tables (the database owner, `securenets`).
public struct MigrationRunner: Sendable {
    /// The directory the migrations are read from.
    public let directory: URL
    private let logger: Logger

    /// A runner for the migrations in `directory`.
    public init(directory: URL, logger: Logger = Logger(label: "securenets.migrations")) {
        self.directory = directory
        self.logger = logger
    }

    /// A runner for the directory found by ``MigrationDirectory/locate(explicitPath:environment:currentDirectory:executablePath:)``.
    ///
    /// - Throws: ``MigrationError`` with code `MigrationError.Code.directoryNotFound`.
    public init(locating explicitPath: String? = nil,
                logger: Logger = Logger(label: "securenets.migrations")) throws {
        self.init(directory: try MigrationDirectory.locate(explicitPath: explicitPath), logger: logger)
    }

    /// Reads and validates every migration in the directory, sorted by version.
    ///
    /// - Throws: ``MigrationError``: `MigrationError.Code.unreadableFile` (directory or file unreadable),
    ///   `MigrationError.Code.invalidFileName` (a `.sql` file not named `NNNN_name.sql`),
    ///   `MigrationError.Code.duplicateVersion` (two files with one version).
    public func migrations() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(code: .unreadableFile, message: "cannot list \(directory.path): \(error.localizedDescription)")
        }
        var byVersion: [Int: Migration] = [:]
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            let url = directory.appendingPathComponent(fileName)
            let contents: Data
            do {
                contents = try Data(contentsOf: url)
            } catch {
                throw MigrationError(code: .unreadableFile, message: "cannot read \(url.path): \(error.localizedDescription)")
            }
            guard let migration = try Migration(fileName: fileName, contents: contents) else {
                throw MigrationError(code: .invalidFileName,
                                     message: "\(url.path) is not named NNNN_name.sql (four digits, then lowercase letters, digits or _)")
            }
            if let other = byVersion[migration.version] {
                throw MigrationError(code: .duplicateVersion,
                                     message: "\(other.fileName) and \(fileName) in \(directory.path) both have version \(migration.version)")
            }
            byVersion[migration.version] = migration
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// Applies the migrations the database lacks.
    ///
    /// - Returns: the migrations applied by this call, in order; empty if the database was up to date.
    /// - Throws: ``MigrationError``: the errors of ``migrations()``; `MigrationError.Code.changedAfterApply`
    ///   if an applied file's checksum differs from the recorded one; `MigrationError.Code.applyFailed`
    ///   with the server's error if a file's SQL fails (nothing of this call is then kept). A
    ///   ``PostgresError`` if the bookkeeping statements themselves fail (e.g. lacking privileges).
    @discardableResult
    public func run(on connection: PostgresConnection) throws -> [Migration] {
        let available = try migrations()
        return try connection.transaction {
            // Two keys: a class for "migrations" and the schema, so parallel test schemas do not wait on
            // each other. Released at COMMIT or ROLLBACK.
            try connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext('securenets.migrations'), hashtext(coalesce(current_schema(), '')))")
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            var applied: [Int: (name: String, checksum: String)] = [:]
            for row in try connection.execute("SELECT version, name, checksum FROM schema_migrations") {
                if let version = row[0].flatMap({ Int($0) }) {
                    applied[version] = (row[1] ?? "", row[2] ?? "")
                }
            }
            for migration in available {
                if let recorded = applied[migration.version], recorded.checksum != migration.checksum {
                    throw MigrationError(
                        code: .changedAfterApply,
                        message: "\(directory.appendingPathComponent(migration.fileName).path) differs from the version \(migration.version) (\(recorded.name)) applied to this database (checksum \(recorded.checksum.prefix(12))…, file \(migration.checksum.prefix(12))…); add a new migration instead of editing an applied one")
                }
            }
            let unknown = Set(applied.keys).subtracting(available.map(\.version)).sorted()
            if !unknown.isEmpty {
                // A newer binary migrated this database first: not an error, old binaries keep running.
                logger.warning("database has migrations this build does not know", metadata: [
                    "versions": .string(unknown.map(String.init).joined(separator: ",")),
                ])
            }
            let pending = available.filter { applied[$0.version] == nil }
            for migration in pending {
                do {
                    try connection.executeScript(migration.sql)
                } catch let error as PostgresError {
                    throw MigrationError(code: .applyFailed,
                                         message: "\(migration.fileName) (version \(migration.version)) failed; nothing was applied",
                                         underlying: error)
                }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1::integer, $2, $3)",
                    parameters: [String(migration.version), migration.name, migration.checksum])
                logger.info("applied migration", metadata: [
                    "version": .stringConvertible(migration.version), "name": .string(migration.name),
                ])
            }
            return pending
        }
    }
}
