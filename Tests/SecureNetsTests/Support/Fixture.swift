import Foundation
import Testing

/// Files of `Tests/SecureNetsTests/Fixtures` (made by `scripts/fixtures/make_fixtures.py`) and
/// scratch directories for tests that write files.
enum Fixture {
    /// The URL of the fixture `name` (with extension), failing the test when it is missing.
    static func url(_ name: String) throws -> URL {
        let file = name as NSString
        return try #require(
            Bundle.module.url(forResource: file.deletingPathExtension, withExtension: file.pathExtension,
                              subdirectory: "Fixtures"),
            "fixture \(name) is missing: run scripts/fixtures/make_fixtures.py")
    }

    /// The bytes of the fixture `name`.
    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    /// Runs `body` with a fresh empty directory that is removed afterwards.
    static func withScratchDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }
}

/// The ONNX and data tests use the same seeded generator as the property tests.
typealias SeededGenerator = SplitMix64
