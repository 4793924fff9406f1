import Foundation
import Logging
import SecureNetsAudit

/// Applies pending audit-schema migrations (safe when several verifiers start together: the runner
/// serializes them with an advisory lock).
enum MigrationStep {
    static func apply(databaseURL: String, directory: String?, logger: Logger) async throws {
        let runner = try MigrationRunner(locating: directory, logger: logger)
        let connection = try PostgresConnection(url: databaseURL, logger: logger)
        defer { connection.close() }
        let applied = try runner.run(on: connection)
        if applied.isEmpty {
            logger.info("audit schema up to date")
        } else {
            logger.info("applied migrations: \(applied.map(\.fileName).joined(separator: ", "))")
        }
    }
}
