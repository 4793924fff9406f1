import Foundation
import Testing
@testable import SecureNets

/// The committed seed corpus of the fuzz targets (`Fuzz/corpus/`, docs/FUZZING.md) stays what
/// `FuzzSeeds` generates, and every seed — regression seeds from past findings included — goes
/// through its target's decoders without trapping.
///
/// `SECURENETS_WRITE_FUZZ_CORPUS=1 swift test --filter FuzzCorpusTests` (or `scripts/fuzz/make-corpus.sh`)
/// rewrites the generated seeds after a format change.
@Suite struct FuzzCorpusTests {
    @Test func committedSeedsAreTheGeneratedOnes() throws {
        let seeds = try FuzzSeeds.all()
        let files = FileManager.default
        if ProcessInfo.processInfo.environment["SECURENETS_WRITE_FUZZ_CORPUS"] == "1" {
            for seed in seeds {
                let directory = FuzzSeeds.corpusDirectory.appendingPathComponent(seed.target, isDirectory: true)
                try files.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(seed.bytes).write(to: directory.appendingPathComponent(seed.name))
            }
        }
        for seed in seeds {
            let url = FuzzSeeds.corpusDirectory.appendingPathComponent(seed.target).appendingPathComponent(seed.name)
            let committed = try #require(files.contents(atPath: url.path), "\(url.path) is missing: run scripts/fuzz/make-corpus.sh")
            #expect(Array(committed) == seed.bytes, "\(seed.target)/\(seed.name) is stale: run scripts/fuzz/make-corpus.sh")
        }
        for target in FuzzSeeds.targets {
            let generated = Set(seeds.filter { $0.target == target }.map(\.name))
            let directory = FuzzSeeds.corpusDirectory.appendingPathComponent(target)
            for name in try files.contentsOfDirectory(atPath: directory.path) where !generated.contains(name) {
                #expect(name.hasPrefix("regression-"), "\(target)/\(name) is neither generated nor a regression seed")
            }
        }
    }

    @Test func validSeedsAreAcceptedAndInvalidOnesRefused() throws {
        for seed in try FuzzSeeds.all() {
            #expect(FuzzReplay.accepts(seed.bytes, target: seed.target) == seed.isValid, "\(seed.target)/\(seed.name)")
        }
    }

    /// Past findings: each crashed its target before the fix; now each is refused with a typed error.
    @Test(arguments: FuzzSeeds.targets)
    func regressionSeedsAreRefused(target: String) throws {
        let directory = FuzzSeeds.corpusDirectory.appendingPathComponent(target)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasPrefix("regression-") {
            let bytes = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
            #expect(!FuzzReplay.accepts(Array(bytes), target: target), "\(target)/\(name)")
        }
    }
}
