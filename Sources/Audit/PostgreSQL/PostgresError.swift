/// A failure reported by ``PostgresConnection``: connecting, sending a statement, or the server refusing it.
///
/// The error carries what the server said (``sqlState``, ``message``, ``detail``, ``hint``, ``constraint``)
/// so callers can react to a specific condition, for example ``SQLState/uniqueViolation``. It never
/// contains a password or a statement's parameter values; ``statement`` is only the beginning of the SQL
/// text, so callers must pass secrets as parameters, never inline them into SQL.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of operation failed; the codes are the static members of `ErrorCode where Domain == PostgresError`.
    public typealias Code = ErrorCode<PostgresError>

    /// SQLSTATE values this package reacts to (see the PostgreSQL manual, appendix A).
    public enum SQLState {
        /// A unique index or constraint refused a duplicate (`23505`).
        public static let uniqueViolation = "23505"
        /// A CHECK constraint refused a row (`23514`).
        public static let checkViolation = "23514"
        /// The role lacks a privilege, or an append-only trigger refused the change (`42501`).
        public static let insufficientPrivilege = "42501"
        /// A relation (table, sequence) does not exist, e.g. migrations have not run (`42P01`).
        public static let undefinedTable = "42P01"
    }

    /// What failed.
    public let code: Code
    /// The server's five-character SQLSTATE, when the server answered; `nil` for client-side failures.
    public let sqlState: String?
    /// The primary message (the server's, or libpq's with any password removed).
    public let message: String
    /// The server's DETAIL line, if any.
    public let detail: String?
    /// The server's HINT line, if any.
    public let hint: String?
    /// The constraint or index that was violated, if the server named one.
    public let constraint: String?
    /// The first words of the statement that failed (never its parameters), or the connection target
    /// (`user@host:port/database`) for connection failures.
    public let statement: String?

    /// Creates an error; used by ``PostgresConnection`` and by tests of code that handles these errors.
    public init(code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
                hint: String? = nil, constraint: String? = nil, statement: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.statement = statement
    }

    public var description: String {
        var text = "PostgreSQL \(code)"
        if let statement { text += " (\(statement))" }
        text += ": "
        if let sqlState { text += "[\(sqlState)] " }
        text += message
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }
}

extension ErrorCode where Domain == PostgresError {
    /// The connection URL could not be parsed (the message never repeats the password).
    public static let invalidURL = Self("invalid connection URL")
    /// The server could not be reached or refused the login.
    public static let connectionFailed = Self("connection failed")
    /// The connection was used after ``PostgresConnection/close()``.
    public static let connectionClosed = Self("connection closed")
    /// A parameter cannot be sent as text (it contains a NUL character).
    public static let invalidParameter = Self("invalid parameter")
    /// The server rejected the statement, or the connection broke while it ran.
    public static let statementFailed = Self("statement failed")
    /// ``PostgresConnection/transaction(_:)`` was called while a transaction was already open.
    public static let nestedTransaction = Self("nested transaction")
    /// COMMIT turned into ROLLBACK because a statement inside the transaction had failed.
    public static let transactionRolledBack = Self("transaction rolled back")
}
