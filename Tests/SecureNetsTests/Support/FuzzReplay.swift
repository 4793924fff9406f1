import Foundation
@testable import SecureNets

/// Runs one fuzz input through the same decoders as its libFuzzer target (`Fuzz/<target>/main.swift`),
/// without the fuzzer: how the tests replay the committed corpus and its regression seeds.
enum FuzzReplay {
    /// True when the target's decoder accepts `bytes`; throws nothing and must never trap.
    static func accepts(_ bytes: [UInt8], target: String) -> Bool {
        switch target {
        case "fuzz-frame": return acceptsFrame(bytes)
        case "fuzz-manifest":
            if let manifest = try? ManifestCoding.decode(JobManifest.self, from: bytes, what: "job manifest"),
               (try? manifest.validate()) != nil { return true }
            return (try? ManifestCoding.decode(ReplyManifest.self, from: bytes, what: "reply manifest")) != nil
                || (try? ManifestCoding.decode(WorkerMetadata.self, from: bytes, what: "result metadata")) != nil
                || (try? ManifestCoding.decode(ModelChunkManifest.self, from: bytes, what: "model chunk")) != nil
        case "fuzz-onnx": return (try? ONNXImporter.load(data: Data(bytes), source: "fuzz.onnx")) != nil
        case "fuzz-data":
            let data = Data(bytes)
            return ["fuzz.npy", "fuzz.csv"].contains { name in
                (try? DataFile.readMatrix(from: data, named: name)) != nil || (try? DataFile.readLabels(from: data, named: name)) != nil
            }
        default: preconditionFailure("unknown fuzz target \(target)")
        }
    }

    private static func acceptsFrame(_ bytes: [UInt8]) -> Bool {
        guard let frame = try? FrameCodec.decode(bytes) else { return false }
        switch frame.kind {
        case .job: return (try? JobMessage.decode(bytes)) != nil
        case .result: return (try? ResultMessage.decode(bytes)) != nil
        case .reply: return (try? ReplyMessage.decode(bytes, trusting: [FuzzSeeds.signer.publicKey])) != nil
        case .model: return (try? PublishedModel.decode(bytes)) != nil
        case .maskedJob: return (try? MaskedJobMessage.decode(bytes)) != nil
        case .maskedResult: return (try? MaskedResultMessage.decode(bytes)) != nil
        case .modelChunk:
            return (try? ManifestCoding.decode(ModelChunkManifest.self, from: frame.manifest, what: "model chunk")) != nil
        }
    }
}
