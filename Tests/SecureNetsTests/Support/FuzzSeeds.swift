import Crypto
import Foundation
@testable import SecureNets

/// The committed seed corpus of the libFuzzer targets (`Fuzz/corpus/<target>/`, docs/FUZZING.md):
/// a handful of valid and invalid inputs per target, made here with the real encoders so that they
/// follow the formats as they change. `FuzzCorpusTests` checks the committed files against these and
/// rewrites them with `SECURENETS_WRITE_FUZZ_CORPUS=1`.
///
/// Everything is deterministic (fixed matrices, a fixed Ed25519 key, whose signatures are
/// deterministic), so regenerating gives byte-identical files.
enum FuzzSeeds {
    struct Seed {
        let target: String
        /// `valid-…` seeds are accepted by the target's decoder, `invalid-…` ones refused.
        let name: String
        let bytes: [UInt8]
        var isValid: Bool { name.hasPrefix("valid-") }
    }

    /// The repository's `Fuzz/corpus` directory.
    static let corpusDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus", isDirectory: true)

    static let targets = ["fuzz-frame", "fuzz-manifest", "fuzz-onnx", "fuzz-data"]

    static func all() throws -> [Seed] { try frames() + manifests() + onnxModels() + dataFiles() }

    // MARK: fuzz-frame

    /// The key the frame target re-signs with (the fuzzing key of `Fuzz/fuzz-frame/main.swift`).
    static let signer = SigningIdentity(
        privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32)))

    static func counting(_ rows: Int, _ columns: Int, from start: Float) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { start + Float($0) * 0.25 })
    }

    static func jobManifest(firstLayer: Int, layerCount: Int, input: Matrix) -> JobManifest {
        JobManifest(jobID: "fuzz-job", batch: 3, segment: 0, segmentCount: 1, firstLayer: firstLayer,
                    layerCount: layerCount, modelDigest: String(repeating: "ab", count: 32), modelPublishedAtMs: 1_700_000_000_000,
                    precision: .exact, rows: input.rows, inputColumns: input.columns, inputSHA256: Digest.tensor(input),
                    replyQueue: "securenets.reply.fuzz-job", producerKey: signer.publicKey.fingerprint,
                    issuedAtMs: 1_700_000_000_001)
    }

    static func frames() throws -> [Seed] {
        let input = counting(3, 5, from: -1)
        let job = try JobMessage(manifest: jobManifest(firstLayer: 0, layerCount: 2, input: input), attempt: 1,
                                 input: input, signedBy: signer)
        let result = ResultMessage(job: job, outputs: [counting(3, 4, from: 2), counting(3, 3, from: -3)],
                                   workerID: "worker-1", computeMs: 1.5)
        let laterJob = try JobMessage(manifest: jobManifest(firstLayer: 2, layerCount: 1, input: input), attempt: 2,
                                      input: input, signedBy: signer)
        let laterResult = ResultMessage(job: laterJob, outputs: [counting(3, 4, from: 0)], workerID: "worker-2", computeMs: 2)
        let output = counting(3, 3, from: 1)
        let passed = try ReplyMessage(
            manifest: ReplyManifest(jobID: "fuzz-job", batch: 3, segment: 0, attempt: 1, verdict: .passed, reason: "",
                                    manifestSHA256: job.manifestSHA256, outputSHA256: Digest.tensor(output), auditRowID: 42,
                                    verifierID: "verifier-1", verifierKey: signer.publicKey.fingerprint,
                                    maxResidualRatio: 0.125, rounds: 2, precision: .exact),
            output: output, signedBy: signer)
        let failed = try ReplyMessage(
            manifest: ReplyManifest(jobID: "fuzz-job", batch: 3, segment: 0, attempt: 3, verdict: .failed,
                                    reason: "layer 1: residual 3.2e+04× its bound", cause: ReplyManifest.Cause.checkFailed,
                                    manifestSHA256: laterJob.manifestSHA256, outputSHA256: nil, auditRowID: 43,
                                    verifierID: "verifier-1", verifierKey: signer.publicKey.fingerprint,
                                    maxResidualRatio: 32000, rounds: 2, precision: .fast),
            output: nil, signedBy: signer)
        let model = ModelCodec.encode(try BlindedModel(layers: [
            BlindedLayer(weights: counting(5, 4, from: -2), activation: .relu),
            BlindedLayer(weights: counting(4, 3, from: 1), activation: .leakyRelu(alpha: 0.125)),
        ]))
        let chunks = ModelChunks.split(model, chunkBytes: 96).chunks
        var hugeTensor = ByteWriter()
        hugeTensor.append(Frame.magic + [Frame.currentVersion, FrameKind.job.rawValue, 0, 0])
        hugeTensor.append(UInt32(2)); hugeTensor.append(Array("{}".utf8)); hugeTensor.append(UInt16(0))
        hugeTensor.append(UInt32(0)); hugeTensor.append(UInt32(1))
        hugeTensor.append(UInt32(65536)); hugeTensor.append(UInt32(65536))
        let encodedJob = job.encode()
        return [
            Seed(target: "fuzz-frame", name: "valid-job.bin", bytes: encodedJob),
            Seed(target: "fuzz-frame", name: "valid-result.bin", bytes: result.encode()),
            Seed(target: "fuzz-frame", name: "valid-result-from-layer-2.bin", bytes: laterResult.encode()),
            Seed(target: "fuzz-frame", name: "valid-reply-passed.bin", bytes: passed.encode()),
            Seed(target: "fuzz-frame", name: "valid-reply-failed.bin", bytes: failed.encode()),
            Seed(target: "fuzz-frame", name: "valid-model.bin", bytes: model),
            Seed(target: "fuzz-frame", name: "valid-model-chunk.bin", bytes: chunks[0]),
            Seed(target: "fuzz-frame", name: "invalid-truncated-job.bin", bytes: Array(encodedJob.dropLast(7))),
            Seed(target: "fuzz-frame", name: "invalid-bad-magic.bin", bytes: Array("SNEX".utf8) + encodedJob.dropFirst(4)),
            Seed(target: "fuzz-frame", name: "invalid-huge-tensor.bin", bytes: hugeTensor.bytes),
        ]
    }

    // MARK: fuzz-manifest

    static func manifests() throws -> [Seed] {
        let manifest = jobManifest(firstLayer: 1, layerCount: 2, input: counting(2, 3, from: 0))
        var badQueue = manifest
        badQueue.replyQueue = "amq.direct"
        let json = String(decoding: ManifestCoding.encode(manifest), as: UTF8.self)
        return [
            Seed(target: "fuzz-manifest", name: "valid-job-manifest.json", bytes: ManifestCoding.encode(manifest)),
            Seed(target: "fuzz-manifest", name: "valid-reply-manifest.json", bytes: ManifestCoding.encode(
                ReplyManifest(jobID: "fuzz-job", batch: 0, segment: 1, attempt: 2, verdict: .rejected, reason: "replayed",
                              cause: ReplyManifest.Cause.replay, manifestSHA256: String(repeating: "cd", count: 32),
                              outputSHA256: nil, auditRowID: nil, verifierID: "v", verifierKey: signer.publicKey.fingerprint,
                              maxResidualRatio: 0, rounds: 2, precision: .exact))),
            Seed(target: "fuzz-manifest", name: "valid-result-metadata.json",
                 bytes: ManifestCoding.encode(WorkerMetadata(workerID: "worker-1", computeMs: 12.25))),
            Seed(target: "fuzz-manifest", name: "valid-chunk-manifest.json",
                 bytes: ManifestCoding.encode(ModelChunkManifest(modelDigest: String(repeating: "0f", count: 32),
                                                                 index: 0, count: 2, totalBytes: 100))),
            Seed(target: "fuzz-manifest", name: "invalid-reply-queue.json", bytes: ManifestCoding.encode(badQueue)),
            Seed(target: "fuzz-manifest", name: "invalid-missing-field.json",
                 bytes: Array(json.replacingOccurrences(of: "\"rows\"", with: "\"rowz\"").utf8)),
            Seed(target: "fuzz-manifest", name: "invalid-wrong-type.json",
                 bytes: Array(json.replacingOccurrences(of: "\"batch\":3", with: "\"batch\":\"3\"").utf8)),
            Seed(target: "fuzz-manifest", name: "invalid-not-json.json", bytes: Array("{\"job_id\": [".utf8)),
        ]
    }

    // MARK: fuzz-onnx

    static func onnxModels() throws -> [Seed] {
        var matMul = ONNXTestModel()
        matMul.inputShape = [nil, 3]
        matMul.initializers = [ONNXTestModel.tensor("W", dims: [3, 2], values: [1, 2, 3, 4, 5, 6]),
                               ONNXTestModel.tensor("b", dims: [2], values: [0.5, -0.5])]
        matMul.nodes = [ONNXTestModel.node("MatMul", ["x", "W"], ["h"], name: "mm"),
                        ONNXTestModel.node("Add", ["h", "b"], ["z"], name: "add"),
                        ONNXTestModel.node("Sigmoid", ["z"], ["y"], name: "act")]
        let standard = try ONNXTestModel.standard.serialized()
        return [
            Seed(target: "fuzz-onnx", name: "valid-gemm-relu-softmax.onnx", bytes: Array(standard)),
            Seed(target: "fuzz-onnx", name: "valid-matmul-add-sigmoid.onnx", bytes: Array(try matMul.serialized())),
            Seed(target: "fuzz-onnx", name: "valid-pytorch-digits.onnx", bytes: Array(try Fixture.data("digits-pytorch.onnx"))),
            Seed(target: "fuzz-onnx", name: "valid-sklearn-digits.onnx", bytes: Array(try Fixture.data("digits-sklearn.onnx"))),
            Seed(target: "fuzz-onnx", name: "invalid-conv.onnx", bytes: Array(try Fixture.data("unsupported-conv.onnx"))),
            Seed(target: "fuzz-onnx", name: "invalid-truncated.onnx", bytes: Array(standard.prefix(standard.count / 2))),
        ]
    }

    // MARK: fuzz-data

    static func dataFiles() throws -> [Seed] {
        let littleEndian = NPYWriter.encoded(Matrix([[1, -2.5, 3], [0.125, 1e-30, 3e38]]))
        let bigEndianFortran = NPYBytes.file(header: NPYBytes.header(descr: ">f8", fortranOrder: true, shape: "(2, 2)"),
                                             payload: NPYBytes.bigEndian([1, 3, 2, 4], width: 8))
        let version3 = NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(1, 2)"), version: (3, 0),
                                     payload: NPYWriter.encoded(Matrix([[0.5, -2]])).suffix(8))
        let hugeShape = NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(4294967296, 4294967296)"), payload: Data())
        return [
            Seed(target: "fuzz-data", name: "valid-f4.npy", bytes: Array(littleEndian)),
            Seed(target: "fuzz-data", name: "valid-f8-big-endian-fortran.npy", bytes: Array(bigEndianFortran)),
            Seed(target: "fuzz-data", name: "valid-v3.npy", bytes: Array(version3)),
            Seed(target: "fuzz-data", name: "valid-labels-i8.npy", bytes: Array(NPYWriter.encoded(labels: [3, 1, 4, 1, 5]))),
            Seed(target: "fuzz-data", name: "valid-header-crlf.csv", bytes: Array("\u{FEFF}a, b,c\r\n1,2.5,-3e-2\r\n\r\n4, 5 ,6\r\n".utf8)),
            Seed(target: "fuzz-data", name: "valid-labels.csv", bytes: Array("label\n3\n1\n4\n".utf8)),
            Seed(target: "fuzz-data", name: "invalid-truncated.npy", bytes: Array(littleEndian.dropLast(5))),
            Seed(target: "fuzz-data", name: "invalid-huge-shape.npy", bytes: Array(hugeShape)),
            Seed(target: "fuzz-data", name: "invalid-ragged.csv", bytes: Array("1,2,3\n4,5\n".utf8)),
            Seed(target: "fuzz-data", name: "invalid-nan.csv", bytes: Array("1,nan\n2,3\n".utf8)),
        ]
    }
}
