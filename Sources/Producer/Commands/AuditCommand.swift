import ArgumentParser
import Foundation
import SecureNetsAudit
import SecureNetsServices

/// `securenets audit`: the verification history in PostgreSQL.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query the verification history: one row per verification attempt.",
        subcommands: [List.self, Show.self, Stats.self, Verify.self],
        defaultSubcommand: List.self
    )
}

extension AuditOutputFormat: ExpressibleByArgument {}

/// Where the audit database is; reading needs only SELECT (the securenets_auditor role suffices).
struct AuditDatabaseOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: $SECURENETS_DATABASE_URL or the local server).")
    var databaseURL: String?

    func connect() throws -> PostgresConnection {
        try PostgresConnection(url: databaseURL ?? ServiceEnvironment.databaseURL)
    }
}

extension AuditCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit rows, newest first.")

        @Option(help: "Only this job.") var job: String?
        @Option(help: "Only this worker id.") var worker: String?
        @Option(help: "Only this verdict: passed, failed or rejected.") var verdict: AuditVerdict?
        @Option(help: "Only rows since this time: ISO 8601, a date (2026-12-04, midnight UTC) or a date and time with a zone (2026-12-04T10:00:00Z, 2026-12-04T10:00:00.5+01:00).")
        var since: String?
        @Option(help: "At most this many rows.") var limit = 100
        @Option(help: "table, json or csv.") var format: AuditOutputFormat = .table
        @OptionGroup var database: AuditDatabaseOptions

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            if let since {
                do { _ = try ISO8601Time.date(since) } catch { throw ValidationError("--since: \(error)") }
            }
        }

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            let filter = AuditFilter(jobID: job, workerID: worker, verdict: verdict,
                                     since: try since.map { try ISO8601Time.date($0) }, limit: limit)
            let rows = try AuditStore(connection: connection).list(filter)
            print(try AuditFormatter(format: format).render(rows), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one audit row with every field.")

        @Argument(help: "The row id.") var rowID: Int64
        @Option(help: "table, json or csv.") var format: AuditOutputFormat = .json
        @OptionGroup var database: AuditDatabaseOptions

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            guard let row = try AuditStore(connection: connection).show(id: rowID) else {
                throw ValidationError("no audit row \(rowID)")
            }
            print(try AuditFormatter(format: format).render([row]), terminator: "")
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per worker: attempts, passed, failed, rejected, p50 and p95 verification time.")

        @Option(help: "table, json or csv.") var format: AuditOutputFormat = .table
        @OptionGroup var database: AuditDatabaseOptions

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            print(try AuditFormatter(format: format).render(try AuditStore(connection: connection).stats()), terminator: "")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk every verifier's hash chain and name the first broken row.")

        @OptionGroup var database: AuditDatabaseOptions

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            let report = try AuditChainVerifier(connection: connection).verify()
            if report.isIntact {
                print("audit chains intact: \(report.chains.count) chain(s), \(report.rowsChecked) row(s)")
            } else {
                for broken in report.breaks { print("BROKEN row \(broken.rowID) (verifier \(broken.verifierID)): \(broken.explanation)") }
                throw ExitCode(3)
            }
        }
    }
}

extension AuditVerdict: ExpressibleByArgument {}
