import Foundation
import SecureNetsAudit
import Testing

@Suite("Migrations")
struct MigrationRunnerTests {
    private let runner = MigrationRunner(directory: TestDatabase.migrationsDirectory)

    @Test("apply once; a second run changes nothing")
    func appliesOnce() throws {
        let schema = try TestSchema(migrated: false)
        let available = try runner.migrations()
        #expect(available.first?.fileName == "0001_audit.sql")

        let first = try runner.run(on: schema.owner)
        #expect(first.map(\.version) == available.map(\.version))
        let recorded = try schema.owner.execute("SELECT version, name FROM schema_migrations ORDER BY version")
        #expect(recorded.map { $0[0] } == available.map { String($0.version) })
        #expect(recorded.map { $0[1] } == available.map(\.name))
        let appliedAt = try schema.owner.execute("SELECT applied_at FROM schema_migrations ORDER BY version")

        let second = try runner.run(on: schema.owner)
        #expect(second.isEmpty)
        #expect(try schema.owner.execute("SELECT applied_at FROM schema_migrations ORDER BY version") == appliedAt)
        #expect(try schema.owner.execute("SELECT count(*) FROM verification_audit") == [["0"]])
    }

    @Test("two runners started together both succeed and apply each migration once")
    func parallelRunners() throws {
        let schema = try TestSchema(migrated: false)
        let connections = [try schema.connect(as: .owner), try schema.connect(as: .owner)]
        let results = ConcurrentResults<[Migration]>(count: connections.count)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for (index, connection) in connections.enumerated() {
            done.enter()
            Thread {
                start.wait()
                results.set(index, Result { try runner.run(on: connection) })
                done.leave()
            }.start()
        }
        connections.forEach { _ in start.signal() }
        done.wait()

        let outcomes = try results.values.map { try #require($0).get() }
        let available = try runner.migrations()
        // One runner applied everything; the other waited for the lock and found nothing to do.
        #expect(outcomes.map(\.count).sorted() == [0, available.count])
        #expect(try schema.owner.execute("SELECT count(*) FROM schema_migrations") == [[String(available.count)]])
    }

    @Test("a migration edited after it was applied is refused")
    func changedAfterApply() throws {
        let directory = try TemporaryDirectory()
        try directory.write("0001_first.sql", "CREATE TABLE first_table (x integer);")
        let schema = try TestSchema(migrated: false)
        let runner = MigrationRunner(directory: directory.url)
        try runner.run(on: schema.owner)

        try directory.write("0001_first.sql", "CREATE TABLE first_table (x bigint);")
        let error = try #require(throws: MigrationError.self) { try runner.run(on: schema.owner) }
        #expect(error.code == .changedAfterApply)
        #expect(error.message.contains("0001_first.sql"))
    }

    @Test("a failing migration names its file and leaves nothing applied")
    func failingMigration() throws {
        let directory = try TemporaryDirectory()
        try directory.write("0001_good.sql", "CREATE TABLE good_table (x integer);")
        try directory.write("0002_bad.sql", "CREATE TABLE bad_table (x no_such_type);")
        let schema = try TestSchema(migrated: false)

        let error = try #require(throws: MigrationError.self) {
            try MigrationRunner(directory: directory.url).run(on: schema.owner)
        }
        #expect(error.code == .applyFailed)
        #expect(error.message.contains("0002_bad.sql"))
        #expect(error.underlying?.sqlState == "42704")   // undefined_object
        let tables = try schema.owner.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        #expect(tables == [["0"]])
    }

    @Test("misnamed and duplicate migration files are reported by name",
          arguments: [
            (["1_short.sql"], MigrationError.Code.invalidFileName),
            (["0001_Upper.sql"], MigrationError.Code.invalidFileName),
            (["0001_a.sql", "0001_b.sql"], MigrationError.Code.duplicateVersion),
          ])
    func invalidFiles(names: [String], code: MigrationError.Code) throws {
        let directory = try TemporaryDirectory()
        for name in names { try directory.write(name, "SELECT 1;") }
        let error = try #require(throws: MigrationError.self) {
            try MigrationRunner(directory: directory.url).migrations()
        }
        #expect(error.code == code)
        #expect(error.message.contains(names.last!))
    }

    @Test("locating: explicit path, environment, upward search, clear error")
    func locate() throws {
        let nested = TestDatabase.repositoryRoot.appendingPathComponent("Sources/Audit").path
        let found = try MigrationDirectory.locate(environment: [:], currentDirectory: nested, executablePath: nil)
        #expect(found.standardizedFileURL.path == TestDatabase.migrationsDirectory.standardizedFileURL.path)

        let fromExecutable = try MigrationDirectory.locate(
            environment: [:], currentDirectory: "/",
            executablePath: TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/securenets-verifier").path)
        #expect(fromExecutable.standardizedFileURL.path == TestDatabase.migrationsDirectory.standardizedFileURL.path)

        let directory = try TemporaryDirectory()
        let fromEnvironment = try MigrationDirectory.locate(
            environment: [MigrationDirectory.environmentVariable: directory.url.path], currentDirectory: nested)
        #expect(fromEnvironment.path == directory.url.path)

        let missing = try #require(throws: MigrationError.self) {
            try MigrationDirectory.locate(explicitPath: "/no/such/migrations")
        }
        #expect(missing.code == .directoryNotFound)
        #expect(missing.message.contains("/no/such/migrations"))

        let nowhere = try #require(throws: MigrationError.self) {
            try MigrationDirectory.locate(environment: [:], currentDirectory: directory.url.path, executablePath: nil)
        }
        #expect(nowhere.code == .directoryNotFound)
        #expect(nowhere.message.contains(MigrationDirectory.environmentVariable))
    }
}
