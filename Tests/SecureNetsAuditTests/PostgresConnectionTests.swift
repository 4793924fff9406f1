import SecureNetsAudit
import Testing

@Suite("PostgreSQL connection")
struct PostgresConnectionTests {
    @Test("connection errors name the target but never the password",
          arguments: [
            "postgresql://securenets:Sup3rSecretPw@127.0.0.1:1/securenets",          // nothing listens on port 1
            "postgresql://securenets:Sup3rSecret%zzPw@127.0.0.1:5432/securenets",    // malformed percent-encoding
            "host=127.0.0.1 port=1 user=securenets password=Sup3rSecretPw dbname=securenets",
          ])
    func errorsHidePassword(url: String) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.code == .connectionFailed || error.code == .invalidURL)
        #expect(!"\(error)".contains("Sup3rSecret"))
        #expect(!error.message.contains("Sup3rSecret"))
    }

    @Test("a wrong password is refused with the user named, not the password")
    func wrongPassword() throws {
        let url = TestDatabase.ownerURL.replacingOccurrences(of: ":securenets@", with: ":Wr0ngPassword@")
        try #require(url != TestDatabase.ownerURL, "SECURENETS_DATABASE_URL has an unexpected form")
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("securenets"))
        #expect(!"\(error)".contains("Wr0ngPassword"))
        #expect(error.statement?.contains("securenets@127.0.0.1") == true)
    }

    @Test("parameters are text, NULL is nil, and server errors carry SQLSTATE and detail")
    func executeAndErrors() throws {
        let connection = try TestDatabase.connect(TestDatabase.ownerURL)
        let rows = try connection.execute("SELECT $1::integer + 1, $2::text, $3::text IS NULL",
                                          parameters: ["41", "it's \"quoted\"", nil])
        #expect(rows == [["42", "it's \"quoted\"", "t"]])
        #expect(try connection.execute("SELECT 0.1::float8, 1e-300::float8") == [["0.1", "1e-300"]])

        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELECT * FROM no_such_table_for_audit_tests")
        }
        #expect(error.sqlState == PostgresError.SQLState.undefinedTable)
        #expect(error.statement == "SELECT * FROM no_such_table_for_audit_tests")

        let nul = try #require(throws: PostgresError.self) { try connection.execute("SELECT $1", parameters: ["a\u{0}b"]) }
        #expect(nul.code == .invalidParameter)
    }

    @Test("transactions commit, roll back on error, and refuse to nest")
    func transactions() throws {
        let connection = try TestDatabase.connect(TestDatabase.ownerURL)
        try connection.execute("CREATE TEMP TABLE t (x integer)")
        try connection.transaction { try connection.execute("INSERT INTO t VALUES (1)") }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (2)")
                throw Abort()
            }
        }
        #expect(try connection.execute("SELECT x FROM t") == [["1"]])

        let nested = try #require(throws: PostgresError.self) {
            try connection.transaction { try connection.transaction { } }
        }
        #expect(nested.code == .nestedTransaction)

        let swallowed = try #require(throws: PostgresError.self) {
            try connection.transaction { _ = try? connection.execute("SELECT 1/0") }
        }
        #expect(swallowed.code == .transactionRolledBack)
        #expect(!connection.isInTransaction)

        connection.close()
        let closed = try #require(throws: PostgresError.self) { try connection.execute("SELECT 1") }
        #expect(closed.code == .connectionClosed)
    }
}
