import Foundation
import SecureNets
import SecureNetsServices
import Testing

/// `securenets infer --in-process` as a user runs it: masked mode by default, blinded on request,
/// both agreeing with plaintext inference on the bundled sample. No broker involved.
@Suite struct InferCommandTests {
    static func infer(_ arguments: [String], in directory: URL, name: String) throws -> (labels: [Int], stderr: String) {
        let output = directory.appendingPathComponent("\(name).npy"), labels = directory.appendingPathComponent("\(name)-labels.npy")
        let result = try ChildCommand.run(RepositoryPaths.binary("securenets"),
                                          ["infer", "--model", RepositoryPaths.sampleModel.path,
                                           "--input", RepositoryPaths.sampleInputs.path,
                                           "--output", output.path, "--labels", labels.path] + arguments,
                                          timeout: 300)
        #expect(result.status == 0, "infer \(arguments): \(result.stderr)")
        return (try DataFile.readLabels(at: labels), result.stderr)
    }

    @Test func inProcessDefaultsToMaskedAndBlindedStaysAvailable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-infer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let plaintext = try Self.infer([], in: directory, name: "plain").labels
        let masked = try Self.infer(["--in-process"], in: directory, name: "masked")
        let blinded = try Self.infer(["--in-process", "--privacy", "blinded", "--mode", "per-layer"], in: directory, name: "blinded")

        #expect(masked.stderr.hasPrefix("masked: verified \(plaintext.count) rows"), "\(masked.stderr)")
        #expect(blinded.stderr.hasPrefix("blinded: verified \(plaintext.count) rows"), "\(blinded.stderr)")
        let maskedAgreement = zip(masked.labels, plaintext).filter { $0 == $1 }.count
        #expect(Double(maskedAgreement) >= 0.995 * Double(plaintext.count), "\(maskedAgreement) of \(plaintext.count)")
        #expect(blinded.labels == plaintext)
    }

    @Test func blindedOnlyOptionsAreRefusedInMaskedMode() throws {
        for option in [["--mode", "per-layer"], ["--precision", "fast"]] {
            let result = try ChildCommand.run(RepositoryPaths.binary("securenets"),
                                              ["infer", "--in-process", "--model", RepositoryPaths.sampleModel.path,
                                               "--input", RepositoryPaths.sampleInputs.path, "--output", "/dev/null"] + option,
                                              timeout: 120)
            #expect(result.status != 0)
            #expect(result.stderr.contains("\(option[0]) applies to --privacy blinded only"), "\(result.stderr)")
        }
    }
}
