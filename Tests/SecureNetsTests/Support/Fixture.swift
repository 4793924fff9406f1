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

/// A small deterministic generator (SplitMix64), so tests that use random bytes or values are
/// reproducible from their seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
