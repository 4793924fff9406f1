import Foundation
import Testing
@testable import SecureNets

/// docs/PROTOCOL.md is a specification, so it is tested: its worked example must be the bytes the code
/// writes, and a decoder written from the document alone (scripts/protocol/decode_frame.py) must read what
/// the code writes.
@Suite struct ProtocolDocumentTests {
    static var documentURL: URL { ProtocolExample.repositoryRoot.appendingPathComponent("docs/PROTOCOL.md") }

    /// The hex between `<!-- example-frame-hex:begin -->` and `<!-- example-frame-hex:end -->`.
    static func documentedExampleHex() throws -> String {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        guard let begin = text.range(of: "<!-- example-frame-hex:begin -->"),
              let end = text.range(of: "<!-- example-frame-hex:end -->", range: begin.upperBound..<text.endIndex) else {
            return ""
        }
        return String(text[begin.upperBound..<end.lowerBound].filter { $0.isHexDigit })
    }

    @Test func workedExampleIsWhatTheCodeWrites() throws {
        let bytes = ProtocolExample.job.encode()
        let hex = ReferenceMath.hex(bytes)
        // Printed so the document can be regenerated: 16 bytes per line.
        let lines = stride(from: 0, to: bytes.count, by: 16).map { ReferenceMath.hex(bytes[$0..<min($0 + 16, bytes.count)]) }
        print("example job frame (\(bytes.count) bytes):\n" + lines.joined(separator: "\n"))
        print("manifest: " + String(decoding: ProtocolExample.job.manifestBytes, as: UTF8.self))
        print("producer key: " + ProtocolExample.producer.publicKey.authorizedKeyLine + ", raw "
              + ReferenceMath.hex(ProtocolExample.producer.privateKey.publicKey.rawRepresentation))
        #expect(try Self.documentedExampleHex() == hex, "docs/PROTOCOL.md's example frame differs from the encoder's output")
        let document = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let job = ProtocolExample.job
        #expect(document.contains(String(decoding: job.manifestBytes, as: UTF8.self)), "the document's example manifest")
        #expect(document.contains(ReferenceMath.hex(job.signature.prefix(32))) && document.contains(ReferenceMath.hex(job.signature.suffix(32))),
                "the document's example signature")
        #expect(document.contains(ProtocolExample.producer.publicKey.authorizedKeyLine)
                && document.contains(ProtocolExample.producer.publicKey.fingerprint), "the document's example key")
        // And it is a valid job whose signature verifies.
        let decoded = try JobMessage.decode(bytes)
        #expect(ProtocolExample.producer.publicKey.isValidSignature(decoded.signature, for: decoded.manifestBytes))
    }

    // MARK: The Python decoder

    static let python: URL? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Writes `bytes` to a temporary file and runs the decoder on it; returns (exit status, stdout, stderr).
    static func decode(_ bytes: [UInt8], arguments: [String] = ["--json"]) throws -> (Int32, String, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-frame-\(UUID().uuidString).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        guard let python else {
            throw ProtocolDocumentError("python3 is required to check the document against its Python decoder; infra/local/up installs it")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [ProtocolExample.repositoryRoot.appendingPathComponent("scripts/protocol/decode_frame.py").path]
            + arguments + [file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The decoder's tensors as [[rows, columns, [float bit patterns]]].
    static func tensors(_ decoded: [String: Any]) -> [Matrix] {
        ((decoded["tensors"] as? [[String: Any]]) ?? []).map { tensor in
            let rows = tensor["rows"] as! Int, columns = tensor["columns"] as! Int
            let bits = (tensor["bits"] as! [String]).map { Float(bitPattern: UInt32($0, radix: 16)!) }
            return Matrix(rows: rows, columns: columns, elements: bits)
        }
    }

    @Test
    func pythonDecoderReadsTheWorkedExample() throws {
        let job = ProtocolExample.job
        let authorized = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-ak-\(UUID().uuidString)")
        try Data((ProtocolExample.producer.publicKey.authorizedKeyLine + " example\n").utf8).write(to: authorized)
        defer { try? FileManager.default.removeItem(at: authorized) }
        let (status, stdout, stderr) = try Self.decode(job.encode(), arguments: ["--json", "--trust", authorized.path])
        #expect(status == 0, "\(stderr)")
        let decoded = Self.json(stdout)
        #expect(decoded["kind"] as? String == "job" && decoded["version"] as? Int == 1)
        let manifest = decoded["manifest"] as? [String: Any] ?? [:]
        #expect(manifest["job_id"] as? String == "job-0001" && manifest["input_sha256"] as? String == job.manifest.inputSHA256)
        #expect(manifest["producer_key"] as? String == ProtocolExample.producer.publicKey.fingerprint)
        #expect(manifest["attempt"] as? Int == 1)
        #expect(decoded["signature"] as? String == ReferenceMath.hex(job.signature))
        #expect(decoded["signature_valid"] as? Bool == true, "the Python Ed25519 check disagrees: \(stdout)")
        #expect(decoded["signer_fingerprint"] as? String == ProtocolExample.producer.publicKey.fingerprint)
        #expect(Self.tensors(decoded) == [ProtocolExample.input])
        #expect(((decoded["tensors"] as? [[String: Any]])?.first?["sha256"] as? String) == job.manifest.inputSHA256)
        #expect(decoded["digests_ok"] as? Bool == true, "\(stdout)")
        // The human-readable form names the fields.
        let (textStatus, text, _) = try Self.decode(job.encode(), arguments: [])
        #expect(textStatus == 0 && text.contains("kind") && text.contains("job-0001") && text.contains("2x3"), "\(text)")
    }

    @Test
    func pythonDecoderReadsEveryKind() throws {
        var rng = SplitMix64(seed: 77)
        let network = RandomModels.network(widths: [4, 6, 3], activations: [.leakyRelu(alpha: 0.5), .identity], using: &rng)
        let input = RandomModels.spreadMatrix(rows: 3, columns: 4, using: &rng)
        let run = try SeededSecureRun(network: network, input: input, mode: .chained, precision: .exact, using: &rng)
        let job = try SampleJobs.job(for: run, segment: 0, precision: .exact, producer: ProtocolExample.producer)
        let result = ResultMessage(job: job, outputs: run.segments[0].outputs, workerID: "worker-1", computeMs: 0.5)
        let verifier = SampleJobs.identity(seed: 2)
        let reply = try ReplyMessage(manifest: ReplyManifest(jobID: "job-1", batch: 0, segment: 0, attempt: 1, verdict: .passed,
                                                             reason: "", manifestSHA256: job.manifestSHA256,
                                                             outputSHA256: Digest.tensor(run.segments[0].outputs[1]),
                                                             auditRowID: 12, verifierID: "verifier-1",
                                                             verifierKey: verifier.publicKey.fingerprint, maxResidualRatio: 0.02,
                                                             rounds: 2, precision: .exact),
                                     output: run.segments[0].outputs[1], signedBy: verifier)
        let model = ModelCodec.encode(run.session.blindedModel)
        let (modelDigest, chunks) = ModelChunks.split(model, chunkBytes: 100)

        let (status, stdout, stderr) = try Self.decode(result.encode())
        #expect(status == 0, "\(stderr)")
        var decoded = Self.json(stdout)
        #expect(decoded["kind"] as? String == "result" && decoded["digests_ok"] as? Bool == true)
        #expect(Self.tensors(decoded) == [job.input] + run.segments[0].outputs)
        #expect((decoded["metadata"] as? [String: Any])?["worker_id"] as? String == "worker-1")

        let (replyStatus, replyOut, _) = try Self.decode(reply.encode())
        decoded = Self.json(replyOut)
        #expect(replyStatus == 0 && decoded["kind"] as? String == "reply" && decoded["digests_ok"] as? Bool == true)
        #expect((decoded["manifest"] as? [String: Any])?["verdict"] as? String == "passed")

        let (modelStatus, modelOut, _) = try Self.decode(model)
        decoded = Self.json(modelOut)
        #expect(modelStatus == 0 && decoded["kind"] as? String == "model" && decoded["sha256"] as? String == modelDigest)
        #expect(Self.tensors(decoded) == run.session.blindedModel.layers.map(\.weights))

        var blob: [UInt8] = []
        for chunk in chunks {
            let (chunkStatus, chunkOut, _) = try Self.decode(chunk)
            decoded = Self.json(chunkOut)
            #expect(chunkStatus == 0 && decoded["kind"] as? String == "model_chunk")
            blob += ((decoded["blob"] as? String).flatMap { hex in
                stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
            } ?? [])
        }
        #expect(blob == model, "the chunks' blobs as decoded by Python concatenate to the model")
    }

    @Test
    func pythonDecoderReportsBadFrames() throws {
        let bytes = ProtocolExample.job.encode()
        for bad in [Array(bytes.dropLast()), bytes + [0], Array("SNEU".utf8) + bytes.dropFirst(4), []] {
            let (status, _, stderr) = try Self.decode(bad)
            #expect(status != 0 && stderr.contains("error"), "python accepted a bad frame: \(stderr)")
        }
        // A tampered input no longer matches the signed input_sha256.
        var tampered = bytes
        tampered[tampered.count - 8] ^= 0x01
        let (status, stdout, _) = try Self.decode(tampered)
        #expect(status == 0 && Self.json(stdout)["digests_ok"] as? Bool == false, "\(stdout)")
    }
}

struct ProtocolDocumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The reference decoder reads masked-mode frames from the specification alone: the residue matrices
/// of each pool's job, result and reply, and their digests.
@Suite struct MaskedProtocolDocumentTests {
    /// §14.8's data-pool job, built by the Swift code from the example's inputs.
    static func exampleJob() throws -> (job: MaskedJobMessage, mask: MaskedJobManifest, r: ResidueMatrix) {
        let seed = try MaskSeed(bytes: Array(0..<32))
        let r = MaskStream(seed: seed).matrix(rows: 2, columns: 3)
        let xq: [Int64] = [3, -2, 7, 0, 5, -1]
        let xHat = try ResidueMatrix(rows: 2, columns: 3, elements: zip(xq, r.elements).map { PrimeField.residue($0 + Int64($1)) })
        func manifest(_ pool: MaskedPool) -> MaskedJobManifest {
            MaskedJobManifest(pool: pool, jobID: "job-0001", batch: 0, layer: 0, attempt: 1, layerCount: 2,
                              bitWidths: try! MaskedBitWidths.choose(inputCount: 3, layer: 0, name: "example"),
                              modelDigest: Digest.sha256Hex(Array("example model".utf8)), modelPublishedAtMs: 1_767_225_600_000,
                              rows: 2, inputColumns: 3, outputColumns: 2,
                              inputSHA256: pool == .data ? ResidueCoding.digest(xHat) : nil, maskSeed: pool == .mask ? seed : nil,
                              replyQueue: "securenets.reply.job-0001", producerKey: ProtocolExample.producer.publicKey.fingerprint,
                              issuedAtMs: 1_767_225_600_123)
        }
        return (try MaskedJobMessage(manifest: manifest(.data), maskedInput: xHat, signedBy: ProtocolExample.producer), manifest(.mask), r)
    }

    @Test func maskedExampleIsWhatTheCodeWrites() throws {
        let (job, mask, r) = try Self.exampleJob()
        let text = try String(contentsOf: ProtocolDocumentTests.documentURL, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- masked-example-hex:begin -->"))
        let end = try #require(text.range(of: "<!-- masked-example-hex:end -->"))
        let documented = String(text[begin.upperBound..<end.lowerBound].filter(\.isHexDigit))
        #expect(documented == ReferenceMath.hex(job.encode()), "docs/PROTOCOL.md §14.8's frame differs from the encoder's output")
        #expect(text.contains(String(decoding: job.manifestBytes, as: UTF8.self)))
        #expect(text.contains(String(decoding: ManifestCoding.encode(mask), as: UTF8.self)), "§14.8's mask-pool manifest")
        #expect(text.contains("R (§14.5) = `[[\(r.elements[0..<3].map(String.init).joined(separator: ", "))], [\(r.elements[3..<6].map(String.init).joined(separator: ", "))]]`"))
        // And the documented products unmask to X_q · W_q with the Swift arithmetic too.
        let weights = try QuantizedWeights(rows: 3, columns: 2, values: [1, -2, 3, 0, -1, 4])
        let za = try ModPProduct.multiply(try #require(job.maskedInput), weights)
        let zb = try ModPProduct.multiply(r, weights)
        let z = zip(za.elements, zb.elements).map { PrimeField.centred(PrimeField.residue(Int64($0) - Int64($1))) }
        let w: [Int64] = [1, -2, 3, 0, -1, 4], x: [Int64] = [3, -2, 7, 0, 5, -1]
        var plain: [Int64] = []
        for i in 0..<2 {
            for j in 0..<2 {
                var sum: Int64 = 0
                for k in 0..<3 { sum += x[i * 3 + k] * w[k * 2 + j] }
                plain.append(sum)
            }
        }
        #expect(z == plain)
        #expect(text.contains("`\(z.chunked2)` = X_q · W_q"))
    }

    @Test func pythonDecoderReadsMaskedFrames() throws {
        let (model, data, mask, request) = try MaskedWireTests.jobs()
        for job in [data, mask] {
            let (status, stdout, stderr) = try ProtocolDocumentTests.decode(job.encode())
            #expect(status == 0, "\(stderr)")
            let decoded = ProtocolDocumentTests.json(stdout)
            #expect(decoded["kind"] as? String == "masked_job" && decoded["digests_ok"] as? Bool == true, "\(stdout.prefix(400))")
            let residues = decoded["residues"] as? [[String: Any]] ?? []
            if job.manifest.pool == .data {
                #expect(residues.first?["values"] as? [UInt32] == request.maskedInput.elements)
            } else {
                #expect(residues.isEmpty)
            }
            let product = try job.poolInput.compute(weights: model.layers[0].weights)
            let result = MaskedResultMessage(job: job, product: product, workerID: "w", computeMs: 1)
            let (resultStatus, resultOut, _) = try ProtocolDocumentTests.decode(result.encode())
            let decodedResult = ProtocolDocumentTests.json(resultOut)
            #expect(resultStatus == 0 && decodedResult["kind"] as? String == "masked_result" && decodedResult["digests_ok"] as? Bool == true)
            #expect((decodedResult["residues"] as? [[String: Any]])?.last?["values"] as? [UInt32] == product.elements)
        }
        let (status, _, stderr) = try ProtocolDocumentTests.decode(FrameCodec.encode(Frame(
            kind: .maskedResult, manifest: mask.manifestBytes, signature: mask.signature, metadata: Array("{}".utf8),
            blob: ResidueCoding.encode([]) + [1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f])))
        #expect(status == 2 && stderr.contains("not residues"), "a value equal to p is refused: \(stderr)")
    }
}

private extension Array where Element == Int64 {
    /// "[[a, b], [c, d]]" for a 2-column matrix, as the example prints it.
    var chunked2: String {
        "[" + stride(from: 0, to: count, by: 2).map { "[\(self[$0]), \(self[$0 + 1])]" }.joined(separator: ", ") + "]"
    }
}
