import ArgumentParser
import Foundation
import Testing
@testable import SecureNetsProducer

@Suite("Output paths never overwrite an input or each other")
struct OutputPathTests {
    static func withDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    static func refusal(output: String, labels: String?, input: String, model: String = "/nonexistent/model.onnx") throws -> String {
        let error = try #require(throws: ValidationError.self) {
            try OutputPath.validate(output: output, labels: labels, input: input, model: model)
        }
        return error.message
    }

    @Test func theSameFileByAnyPathIsRefused() throws {
        try Self.withDirectory { directory in
            let real = (directory.path as NSString).resolvingSymlinksInPath
            let input = directory.appendingPathComponent("data.npy")
            try Data([1]).write(to: input)
            let sub = directory.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let linkedDirectory = directory.appendingPathComponent("link")
            try FileManager.default.createSymbolicLink(at: linkedDirectory, withDestinationURL: directory)
            let linkedFile = directory.appendingPathComponent("alias.npy")
            try FileManager.default.createSymbolicLink(at: linkedFile, withDestinationURL: input)
            let hardLink = directory.appendingPathComponent("hard.npy")
            try FileManager.default.linkItem(at: input, to: hardLink)

            for spelling in [input.path, sub.path + "/../data.npy", directory.path + "/./data.npy",
                             linkedDirectory.path + "/data.npy", linkedFile.path, hardLink.path] {
                let message = try Self.refusal(output: spelling, labels: nil, input: input.path)
                #expect(message == "--output and --input are the same file (\(OutputPath.resolved(spelling))): writing --output would destroy the input; choose another --output", "\(spelling)")
            }
            #expect(OutputPath.resolved(linkedDirectory.path + "/data.npy") == real + "/data.npy")

            let labelsOnInput = try Self.refusal(output: directory.path + "/out.npy", labels: linkedFile.path, input: input.path)
            #expect(labelsOnInput.hasPrefix("--labels and --input are the same file"))

            // Outputs that do not exist yet are compared by their resolved directory and name.
            let both = try Self.refusal(output: directory.path + "/new.csv", labels: linkedDirectory.path + "/new.csv", input: input.path)
            #expect(both == "--labels and --output are the same file (\(real)/new.csv): one would overwrite the other; give them different paths")

            let model = directory.appendingPathComponent("model.npy")
            try Data([2]).write(to: model)
            let onModel = try Self.refusal(output: model.path, labels: nil, input: input.path, model: model.path)
            #expect(onModel.hasPrefix("--output and --model are the same file"))
        }
    }

    @Test func distinctFilesAreAccepted() throws {
        try Self.withDirectory { directory in
            let input = directory.appendingPathComponent("data.npy")
            try Data([1]).write(to: input)
            try OutputPath.validate(output: directory.path + "/probs.npy", labels: directory.path + "/labels.npy",
                                    input: input.path, model: "/nonexistent/model.onnx")
            try OutputPath.validate(output: directory.path + "/probs.csv", labels: nil, input: input.path, model: input.path + ".onnx")
        }
    }
}
