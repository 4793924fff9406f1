import CLibPQ
import Foundation
import Logging

/// One blocking connection to PostgreSQL over libpq: the only code in SecureNets that calls libpq.
///
/// Statements are sent with the extended protocol (`PQexecParams`): parameters travel as text, apart
/// from the SQL, so values never need escaping; results come back as text (`nil` for SQL NULL).
/// A connection is not thread-safe: use one per thread or task, and never share it across threads
/// concurrently. It closes itself when released.
///
/// Every session is set up for exact numbers: `extra_float_digits = 3`, so `double precision` values come
/// back in their shortest exact form and parse back to the same bits.
public final class PostgresConnection {
    /// `user@host:port/database` of this connection; safe to log (it never contains the password).
    public let target: String

    private var handle: OpaquePointer?
    private let noticeSink: NoticeSink

    /// Connects, and fails rather than returning a half-open connection.
    ///
    /// - Parameters:
    ///   - url: a libpq connection string, usually `postgresql://user:password@host:port/database`
    ///     (keyword/value strings work too). `connect_timeout` defaults to 10 seconds unless the string
    ///     sets it; the client encoding is always UTF-8. Everything else goes to libpq unchanged,
    ///     TLS included: `?sslmode=verify-full&sslrootcert=ca.pem&sslcert=client.pem&sslkey=client.key`.
    ///   - logger: receives the server's NOTICE and WARNING messages at debug and warning level.
    /// - Throws: ``PostgresError`` with code `PostgresError.Code.invalidURL` if the string cannot be
    ///   parsed, or `PostgresError.Code.connectionFailed` if the server is unreachable, refuses the
    ///   login or the TLS handshake (libpq's message, with a ``PostgresError/hint`` saying what to change:
    ///   unknown CA, a host name the certificate does not hold, ssl=off on the server, ...). Messages
    ///   name the target as `user@host:port/database` and never contain the password or `sslpassword`.
    public init(url: String, logger: Logger = Logger(label: "securenets.postgres")) throws {
        let target = ConnectionTarget(connectionString: url)
        self.target = target.description
        self.noticeSink = NoticeSink(logger: logger)

        var parseError: UnsafeMutablePointer<CChar>?
        if let parsed = PQconninfoParse(url, &parseError) {
            PQconninfoFree(parsed)
        } else {
            let message = parseError.map { String(cString: $0) } ?? "unparsable connection string"
            if let parseError { PQfreemem(parseError) }
            throw PostgresError(code: .invalidURL, message: target.redact(message.trimmed),
                                hint: "expected postgresql://user:password@host:port/database")
        }

        // Keywords before `dbname` are defaults: libpq lets the expanded connection string override them.
        let keywords = ["connect_timeout", "client_encoding", "dbname"]
        let values = ["10", "UTF8", url]
        let connection = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(connection)
            throw PostgresError(code: .connectionFailed, message: target.redact(message.trimmed),
                                hint: TLSHint.hint(for: message, options: target.options), // paths, no secret
                                statement: target.description)
        }
        handle = connection
        PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
            sink.receive(severity: errorField(result, "V"), message: errorField(result, "M") ?? "")
        }, Unmanaged.passUnretained(noticeSink).toOpaque())

        // Shortest-exact float output, whatever the server's default: audit hashes depend on exact values.
        do {
            _ = try execute("SET extra_float_digits = 3")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    /// Whether a transaction is open (possibly failed) on this connection.
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Closes the connection. Idempotent; later calls to ``execute(_:parameters:)`` throw
    /// `PostgresError.Code.connectionClosed`.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// Runs one SQL statement with positional parameters (`$1`, `$2`, …) sent as text.
    ///
    /// - Parameters:
    ///   - sql: exactly one statement. Use ``executeScript(_:)`` for several.
    ///   - parameters: values for `$1…$n`, as PostgreSQL text input (`nil` is SQL NULL). Cast in SQL where
    ///     the type cannot be inferred, e.g. `$1::bigint`.
    /// - Returns: the result rows, each an array of column values as text (`nil` for NULL); empty for
    ///   statements that return no rows.
    /// - Throws: ``PostgresError`` with the server's SQLSTATE, message, detail, hint and constraint when
    ///   the server rejects the statement; `PostgresError.Code.invalidParameter` if a parameter contains
    ///   a NUL character; `PostgresError.Code.connectionClosed` after ``close()``.
    @discardableResult
    public func execute(_ sql: String, parameters: [String?] = []) throws -> [[String?]] {
        let connection = try openHandle(for: sql)
        if let index = parameters.firstIndex(where: { $0?.utf8.contains(0) ?? false }) {
            throw PostgresError(code: .invalidParameter,
                                message: "parameter $\(index + 1) contains a NUL character, which text parameters cannot carry",
                                statement: Self.summary(of: sql))
        }
        let result = withOptionalCStringArray(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        return rows(of: result)
    }

    /// Runs a script of one or more statements separated by semicolons (simple query protocol), such as a
    /// migration file. Takes no parameters and returns nothing.
    ///
    /// - Throws: ``PostgresError`` for the first statement that fails; later statements do not run.
    public func executeScript(_ sql: String) throws {
        let connection = try openHandle(for: sql)
        // PQexec returns only the last result; a failing statement stops the script and is that result.
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    /// Runs `body` inside `BEGIN … COMMIT`, rolling back if it throws.
    ///
    /// - Returns: what `body` returns, once COMMIT succeeded.
    /// - Throws: whatever `body` throws (after ROLLBACK); `PostgresError.Code.nestedTransaction` if a
    ///   transaction is already open on this connection; `PostgresError.Code.transactionRolledBack` if
    ///   `body` swallowed a failed statement, so that COMMIT could only roll back.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let connection = try openHandle(for: "BEGIN")
        guard PQtransactionStatus(connection) == PQTRANS_IDLE else {
            throw PostgresError(code: .nestedTransaction,
                                message: "a transaction is already open on this connection; nested transactions are not supported")
        }
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            // The original error matters more than a failed ROLLBACK (e.g. on a broken connection).
            _ = try? execute("ROLLBACK")
            throw error
        }
        let commit = PQexec(connection, "COMMIT")
        defer { PQclear(commit) }
        try check(commit, sql: "COMMIT")
        if let tag = PQcmdStatus(commit), String(cString: tag) == "ROLLBACK" {
            throw PostgresError(code: .transactionRolledBack,
                                message: "COMMIT rolled back because a statement inside the transaction had failed",
                                statement: "COMMIT")
        }
        return value
    }

    // MARK: - Internals

    private func openHandle(for sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "the connection to \(target) was closed",
                                statement: Self.summary(of: sql))
        }
        return handle
    }

    private func check(_ result: OpaquePointer?, sql: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            let message = result.flatMap { errorField($0, "M") }
                ?? handle.map { String(cString: PQerrorMessage($0)).trimmed }
                ?? "no result"
            throw PostgresError(
                code: .statementFailed,
                message: message.isEmpty ? "the connection to \(target) broke" : message,
                sqlState: result.flatMap { errorField($0, "C") },
                detail: result.flatMap { errorField($0, "D") },
                hint: result.flatMap { errorField($0, "H") },
                constraint: result.flatMap { errorField($0, "n") },
                statement: Self.summary(of: sql))
        }
    }

    private func rows(of result: OpaquePointer?) -> [[String?]] {
        guard let result else { return [] }
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
            rows.append(values)
        }
        return rows
    }

    /// The statement's first line, shortened: enough to recognise it in an error, never its parameters.
    private static func summary(of sql: String) -> String {
        let firstLine = sql.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let line = String(firstLine ?? "").trimmingCharacters(in: .whitespaces)
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}

/// Forwards the server's notices to a logger; a class so libpq's callback can reach it through a pointer.
private final class NoticeSink {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }

    func receive(severity: String?, message: String) {
        if severity == "WARNING" {
            logger.warning("PostgreSQL: \(message)")
        } else {
            logger.debug("PostgreSQL \(severity ?? "NOTICE"): \(message)")
        }
    }
}

/// One diagnostic field of a result (`PG_DIAG_*`, given as its letter), trimmed; nil if absent.
private func errorField(_ result: OpaquePointer, _ field: Character) -> String? {
    guard let ascii = field.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
    return String(cString: value).trimmed
}

/// Calls `body` with a NULL-terminated array of C strings that stay valid for the whole call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }, body)
}

/// Like `withCStringArray`, with `nil` entries passed as NULL pointers (SQL NULL for PQexecParams).
private func withOptionalCStringArray<R>(_ strings: [String?],
                                         _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
