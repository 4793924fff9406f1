import Foundation

/// Where the repository, the built executables and the bundled sample are, seen from the tests.
enum RepositoryPaths {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `swift build --build-tests` builds the executables next to the test bundle.
    static var binaries: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent(),
                          root.appendingPathComponent(".build/debug")]
        where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("securenets-worker").path) {
            return candidate
        }
        return root.appendingPathComponent(".build/debug")
    }

    static func binary(_ name: String) -> URL { binaries.appendingPathComponent(name) }

    static let sampleModel = root.appendingPathComponent("samples/digits/model.onnx")
    static let sampleInputs = root.appendingPathComponent("samples/digits/inputs.npy")
    static let sampleLabels = root.appendingPathComponent("samples/digits/labels.npy")

    /// A file of Tests/SecureNetsTests/Fixtures (made by scripts/fixtures/make_fixtures.py).
    static func fixture(_ name: String) -> URL { root.appendingPathComponent("Tests/SecureNetsTests/Fixtures/\(name)") }
}
