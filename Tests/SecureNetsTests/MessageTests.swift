import Foundation
import Testing
@testable import SecureNets

/// Job, result and reply messages: round trips through frames, the documented JSON field names, and the
/// structural checks each decoder makes before anything is trusted.
@Suite struct MessageTests {
    static let producer = SampleJobs.identity(seed: 10)
    static let verifier = SampleJobs.identity(seed: 50)

    static func sampleJob(rows: Int = 3, columns: Int = 5, attempt: Int = 1) throws -> JobMessage {
        var rng = SplitMix64(seed: UInt64(rows * 100 + columns))
        let input = RandomModels.spreadMatrix(rows: rows, columns: columns, using: &rng)
        return try JobMessage(manifest: SampleJobs.manifest(input: input, producer: producer), attempt: attempt,
                              input: input, signedBy: producer)
    }

    /// Re-encodes a job frame with some part replaced.
    static func jobFrame(_ job: JobMessage, manifest: [UInt8]? = nil, metadata: [UInt8]? = nil,
                         tensors: [Matrix]? = nil, kind: FrameKind = .job) -> [UInt8] {
        FrameCodec.encode(Frame(kind: kind, manifest: manifest ?? job.manifestBytes, signature: job.signature,
                                metadata: metadata ?? Array("{}".utf8),
                                tensors: tensors ?? [job.input]))
    }

    static func expectManifestError(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(what): accepted")
        } catch is ManifestError {
        } catch {
            Issue.record("\(what): expected a ManifestError, got \(error)")
        }
    }

    // MARK: Job

    @Test func jobRoundTrips() throws {
        let job = try Self.sampleJob(attempt: 3)
        let decoded = try JobMessage.decode(job.encode())
        #expect(decoded == job)
        #expect(decoded.manifest.attempt == 3)
        #expect(Self.producer.publicKey.isValidSignature(decoded.signature, for: decoded.manifestBytes))
        #expect(try ManifestCoding.decode(JobManifest.self, from: decoded.manifestBytes, what: "job") == job.manifest)
    }

    /// The field names docs/PROTOCOL.md lists, and nothing else.
    @Test func jobManifestFieldsAreTheDocumentedOnes() throws {
        let job = try Self.sampleJob()
        #expect(SampleJobs.keys(job.manifestBytes) == [
            "protocol", "job_id", "batch", "segment", "attempt", "segment_count", "first_layer", "layer_count", "model_digest",
            "model_published_at_ms", "precision", "rows", "input_columns", "input_sha256", "reply_queue",
            "producer_key", "issued_at_ms",
        ])
        #expect(Array(job.encode()).count > 0)
        #expect(SampleJobs.keys(ManifestCoding.encode(WorkerMetadata(workerID: "w", computeMs: 1.5)))
                == ["worker_id", "compute_ms"])
        let text = String(decoding: job.manifestBytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"attempt":1,"batch":0,"first_layer":0,"input_columns":5,"#), "keys are sorted, no spaces: \(text)")
        #expect(text.contains(#""precision":"exact""#) && text.contains(#""reply_queue":"securenets.reply.job-1""#))
    }

    @Test func jobDecodingRejectsMalformedFrames() throws {
        let job = try Self.sampleJob()
        Self.expectManifestError("result kind") { _ = try JobMessage.decode(Self.jobFrame(job, kind: .result)) }
        Self.expectManifestError("input shape differs from the manifest") {
            _ = try JobMessage.decode(Self.jobFrame(job, tensors: [Matrix(rows: 3, columns: 4)]))
        }
        Self.expectManifestError("two tensors") { _ = try JobMessage.decode(Self.jobFrame(job, tensors: [job.input, job.input])) }
        Self.expectManifestError("no tensor") { _ = try JobMessage.decode(Self.jobFrame(job, tensors: [])) }
        // Nothing about a job is unsigned: whatever metadata a relay puts in is ignored.
        #expect(try JobMessage.decode(Self.jobFrame(job, metadata: Array(#"{"attempt":9}"#.utf8))).manifest.attempt == 1)
        #expect(try JobMessage.decode(Self.jobFrame(job, metadata: [])) == job)
        #expect(throws: FrameError.self) { _ = try JobMessage.decode(Array(job.encode().dropLast())) }
    }

    /// Each `validate()` rule, one broken field at a time.
    @Test(arguments: [
        ("protocol", 1 as Any), ("protocol", 3), ("attempt", 0), ("attempt", (1 << 20) + 1), ("job_id", "a/b"), ("job_id", ""), ("job_id", String(repeating: "j", count: 201)),
        ("batch", -1), ("segment", 1), ("segment_count", 0), ("first_layer", -1), ("layer_count", 0), ("rows", 0),
        ("input_columns", 1), ("model_digest", String(repeating: "AB", count: 32)), ("input_sha256", "abc"),
        ("reply_queue", "amq.gen-1"), ("reply_queue", "securenets.reply.a b"),
    ] as [(String, Any)])
    func jobManifestValidation(field: String, value: Any) throws {
        let job = try Self.sampleJob()
        let manifest = SampleJobs.editedJSON(job.manifestBytes) { $0[field] = value }
        do {
            _ = try JobMessage.decode(Self.jobFrame(job, manifest: manifest))
            Issue.record("\(field) = \(value) was accepted")
        } catch let error as ManifestError {
            guard case .invalid = error else { Issue.record("\(field): expected .invalid, got \(error)"); return }
        }
    }

    @Test func missingOrMistypedFieldsAreNamed() throws {
        let job = try Self.sampleJob()
        for field in ["job_id", "protocol", "attempt", "precision", "issued_at_ms"] {
            let manifest = SampleJobs.editedJSON(job.manifestBytes) { $0.removeValue(forKey: field) }
            #expect(throws: ManifestError.malformed("job manifest lacks field '\(field)'")) {
                _ = try JobMessage.decode(Self.jobFrame(job, manifest: manifest))
            }
        }
        let mistyped = SampleJobs.editedJSON(job.manifestBytes) { $0["rows"] = "three" }
        do {
            _ = try JobMessage.decode(Self.jobFrame(job, manifest: mistyped))
            Issue.record("rows as a string was accepted")
        } catch {
            #expect("\(error)".contains("rows"), "\(error)")
        }
        let unknownPrecision = SampleJobs.editedJSON(job.manifestBytes) { $0["precision"] = "bfloat16" }
        #expect(throws: ManifestError.self) { _ = try JobMessage.decode(Self.jobFrame(job, manifest: unknownPrecision)) }
        #expect(throws: ManifestError.self) { _ = try JobMessage.decode(Self.jobFrame(job, manifest: Array("not json".utf8))) }
        #expect(throws: ManifestError.self) { _ = try JobMessage.decode(Self.jobFrame(job, manifest: Array("[1]".utf8))) }
        // Unknown extra fields are ignored (forward compatibility); the signature still covers them.
        let extra = SampleJobs.editedJSON(job.manifestBytes) { $0["comment"] = "hello" }
        #expect(try JobMessage.decode(Self.jobFrame(job, manifest: extra)).manifest == job.manifest)
    }

    // MARK: Result

    @Test func resultRoundTrips() throws {
        let job = try Self.sampleJob(attempt: 2)
        var rng = SplitMix64(seed: 3)
        let outputs = (0..<1).map { _ in RandomModels.spreadMatrix(rows: 3, columns: 4, using: &rng) }
        let result = ResultMessage(job: job, outputs: outputs, workerID: "worker-7.host_a", computeMs: 12.25)
        let decoded = try ResultMessage.decode(result.encode())
        #expect(decoded == result)
        #expect(decoded.manifestBytes == job.manifestBytes && decoded.signature == job.signature, "the manifest travels unchanged")
        #expect(decoded.metadata == WorkerMetadata(workerID: "worker-7.host_a", computeMs: 12.25))
        #expect(decoded.manifest.attempt == 2 && decoded.defect == nil)
        #expect(decoded.input == job.input && decoded.outputs == outputs)
    }

    @Test func resultDecodingRejectsWhatCannotBeTiedToAJob() throws {
        let job = try Self.sampleJob()
        let output = Matrix(rows: 3, columns: 4)
        let frame = FrameCodec.encode(Frame(kind: .job, manifest: job.manifestBytes, signature: job.signature,
                                            metadata: ManifestCoding.encode(WorkerMetadata(workerID: "w", computeMs: 1)),
                                            tensors: [job.input, output]))
        Self.expectManifestError("job kind") { _ = try ResultMessage.decode(frame) }
        let noTensor = FrameCodec.encode(Frame(kind: .result, manifest: job.manifestBytes, signature: job.signature,
                                               metadata: Array("{}".utf8), tensors: []))
        Self.expectManifestError("no input") { _ = try ResultMessage.decode(noTensor) }
    }

    /// What a worker controls decodes, with the defect named, so the verifier can answer that attempt
    /// as failed instead of dead-lettering it.
    @Test(arguments: [
        (#"{"worker_id":"w","compute_ms":-1}"#, "compute_ms"), (#"{"worker_id":"w","compute_ms":"NaN"}"#, "compute_ms"),
        (#"{"worker_id":"w","compute_ms":1e300}"#, "compute_ms"), (#"{"worker_id":"w 1","compute_ms":1}"#, "worker_id"),
        ("{\"worker_id\":\"\(String(repeating: "w", count: 65))\",\"compute_ms\":1}", "worker_id"),
        (#"{"worker_id":"w"}"#, "compute_ms"), ("not json", "metadata"),
    ])
    func badWorkerMetadataIsADefectNotACrash(metadata: String, named: String) throws {
        let job = try Self.sampleJob()
        let frame = FrameCodec.encode(Frame(kind: .result, manifest: job.manifestBytes, signature: job.signature,
                                            metadata: Array(metadata.utf8), tensors: [job.input, Matrix(rows: 3, columns: 4)]))
        let decoded = try ResultMessage.decode(frame)
        #expect(decoded.metadata == .unusable)
        guard case .metadata(let detail) = decoded.defect else {
            Issue.record("\(metadata): no metadata defect, got \(String(describing: decoded.defect))")
            return
        }
        #expect(detail.contains(named), "\(detail)")
    }

    @Test func aMissingOrExtraTensorIsADefect() throws {
        let job = try Self.sampleJob()
        let output = Matrix(rows: 3, columns: 4)
        for tensors in [[job.input], [job.input, output, output]] {
            let frame = FrameCodec.encode(Frame(kind: .result, manifest: job.manifestBytes, signature: job.signature,
                                                metadata: ManifestCoding.encode(WorkerMetadata(workerID: "w", computeMs: 1)),
                                                tensors: tensors))
            #expect(try ResultMessage.decode(frame).defect == .tensorCount(found: tensors.count, expected: 2))
        }
    }

    // MARK: Reply

    static func passedReply(output: Matrix, digest: String? = nil, signer: SigningIdentity = verifier,
                            maxResidualRatio: Double = 0.01) throws -> ReplyMessage {
        let manifest = ReplyManifest(jobID: "job-1", batch: 4, segment: 1, attempt: 2, verdict: .passed, reason: "",
                                     manifestSHA256: String(repeating: "ab", count: 32),
                                     outputSHA256: digest ?? Digest.tensor(output), auditRowID: 981,
                                     verifierID: "verifier-1", verifierKey: signer.publicKey.fingerprint,
                                     maxResidualRatio: maxResidualRatio, rounds: 2, precision: .exact)
        return try ReplyMessage(manifest: manifest, output: output, signedBy: signer)
    }

    @Test func replyRoundTripsUnderTheVerifierKey() throws {
        let output = Matrix([[1, 2, 3], [4, 5, 6]])
        let reply = try Self.passedReply(output: output)
        let decoded = try ReplyMessage.decode(reply.encode(), trusting: [Self.producer.publicKey, Self.verifier.publicKey])
        #expect(decoded == reply)
        #expect(decoded.output == output && decoded.manifest.outputSHA256 == Digest.sha256Hex(ReferenceMath.tensorBytes(output)))
        #expect(SampleJobs.keys(reply.manifestBytes) == [
            "protocol", "job_id", "batch", "segment", "attempt", "verdict", "reason", "manifest_sha256", "output_sha256",
            "audit_row_id", "verifier_id", "verifier_key", "max_residual_ratio", "rounds", "precision",
        ])
    }

    @Test func replyIsRefusedUnderAnyOtherKey() throws {
        let reply = try Self.passedReply(output: Matrix([[1, 2]]))
        #expect(throws: UntrustedReply.self) { _ = try ReplyMessage.decode(reply.encode(), trusting: [Self.producer.publicKey]) }
        #expect(throws: UntrustedReply.self) { _ = try ReplyMessage.decode(reply.encode(), trusting: []) }
        let stranger = SampleJobs.identity(seed: 99)
        let forged = try Self.passedReply(output: Matrix([[1, 2]]), signer: stranger)
        do {
            _ = try ReplyMessage.decode(forged.encode(), trusting: [Self.verifier.publicKey])
            Issue.record("a reply signed by a stranger was accepted")
        } catch let untrusted as UntrustedReply {
            #expect(untrusted.manifest.verifierKey == stranger.publicKey.fingerprint, "the error names the key that signed")
        }
        // A relay that edits the signed manifest (here: the verdict) breaks the signature.
        let failed = try ReplyMessage(manifest: ReplyManifest(jobID: "job-1", batch: 0, segment: 0, attempt: 1, verdict: .failed,
                                                              reason: "layer 0: residual", manifestSHA256: String(repeating: "0", count: 64),
                                                              outputSHA256: nil, auditRowID: 1, verifierID: "v", verifierKey: "",
                                                              maxResidualRatio: 3, rounds: 2, precision: .exact),
                                      output: nil, signedBy: Self.verifier)
        let edited = Array(String(decoding: failed.manifestBytes, as: UTF8.self)
            .replacingOccurrences(of: #""verdict":"failed""#, with: #""verdict":"passed""#).utf8)
        #expect(edited != failed.manifestBytes)
        let frame = FrameCodec.encode(Frame(kind: .reply, manifest: edited, signature: failed.signature))
        #expect(throws: UntrustedReply.self, "verdict edited in transit") { _ = try ReplyMessage.decode(frame, trusting: [Self.verifier.publicKey]) }
    }

    @Test func passedReplyMustCarryTheDigestedOutput() throws {
        let output = Matrix([[1, 2, 3]])
        let reply = try Self.passedReply(output: output)
        // Swap the tensor for another one: the signed output_sha256 no longer matches.
        let swapped = FrameCodec.encode(Frame(kind: .reply, manifest: reply.manifestBytes, signature: reply.signature,
                                              tensors: [Matrix([[1, 2, 3.0001]])]))
        Self.expectManifestError("output replaced") { _ = try ReplyMessage.decode(swapped, trusting: [Self.verifier.publicKey]) }
        let reshaped = FrameCodec.encode(Frame(kind: .reply, manifest: reply.manifestBytes, signature: reply.signature,
                                               tensors: [Matrix(rows: 3, columns: 1, elements: [1, 2, 3])]))
        Self.expectManifestError("output reshaped") { _ = try ReplyMessage.decode(reshaped, trusting: [Self.verifier.publicKey]) }
        let missing = FrameCodec.encode(Frame(kind: .reply, manifest: reply.manifestBytes, signature: reply.signature))
        Self.expectManifestError("output missing") { _ = try ReplyMessage.decode(missing, trusting: [Self.verifier.publicKey]) }
        let doubled = FrameCodec.encode(Frame(kind: .reply, manifest: reply.manifestBytes, signature: reply.signature,
                                              tensors: [output, output]))
        Self.expectManifestError("two outputs") { _ = try ReplyMessage.decode(doubled, trusting: [Self.verifier.publicKey]) }
        let wrongDigest = try Self.passedReply(output: output, digest: String(repeating: "0", count: 64))
        Self.expectManifestError("wrong digest") { _ = try ReplyMessage.decode(wrongDigest.encode(), trusting: [Self.verifier.publicKey]) }
        Self.expectManifestError("job frame") {
            _ = try ReplyMessage.decode(try Self.sampleJob().encode(), trusting: [Self.verifier.publicKey, Self.producer.publicKey])
        }
    }

    @Test func failedReplyNeedsNoOutput() throws {
        let manifest = ReplyManifest(jobID: "job-1", batch: 0, segment: 0, attempt: 1, verdict: .failed,
                                     reason: "layer 2: residual 12× its bound", cause: ReplyManifest.Cause.checkFailed,
                                     manifestSHA256: String(repeating: "1", count: 64), outputSHA256: nil, auditRowID: nil,
                                     verifierID: "v", verifierKey: "k", maxResidualRatio: 12, rounds: 2, precision: .fast)
        let reply = try ReplyMessage(manifest: manifest, output: nil, signedBy: Self.verifier)
        let decoded = try ReplyMessage.decode(reply.encode(), trusting: [Self.verifier.publicKey])
        #expect(decoded.manifest == manifest && decoded.output == nil)
        #expect(!SampleJobs.keys(reply.manifestBytes).contains("output_sha256"), "absent optionals are omitted")
    }

    /// A failed check reports an unbounded ratio (shape errors: ∞; NaN outputs: NaN). The verifier must be
    /// able to sign and send that verdict, and the producer to read it back.
    @Test(arguments: [Double.infinity, -.infinity, .nan])
    func replyWithUnboundedResidualRatioRoundTrips(ratio: Double) throws {
        let manifest = ReplyManifest(jobID: "job-1", batch: 0, segment: 0, attempt: 1, verdict: .failed,
                                     reason: "layer 0 output is 2×3, expected 2×4", manifestSHA256: String(repeating: "2", count: 64),
                                     outputSHA256: nil, auditRowID: 5, verifierID: "v", verifierKey: "k",
                                     maxResidualRatio: ratio, rounds: 2, precision: .exact)
        let reply = try ReplyMessage(manifest: manifest, output: nil, signedBy: Self.verifier)
        let decoded = try ReplyMessage.decode(reply.encode(), trusting: [Self.verifier.publicKey])
        #expect(decoded.manifest.maxResidualRatio.isNaN == ratio.isNaN)
        if !ratio.isNaN { #expect(decoded.manifest.maxResidualRatio == ratio) }
    }
}
