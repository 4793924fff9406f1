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
                                metadata: metadata ?? ManifestCoding.encode(job.annotations),
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
        #expect(decoded.annotations.attempt == 3)
        #expect(Self.producer.publicKey.isValidSignature(decoded.signature, for: decoded.manifestBytes))
        #expect(try ManifestCoding.decode(JobManifest.self, from: decoded.manifestBytes, what: "job") == job.manifest)
    }

    /// The field names docs/PROTOCOL.md lists, and nothing else.
    @Test func jobManifestFieldsAreTheDocumentedOnes() throws {
        let job = try Self.sampleJob()
        #expect(SampleJobs.keys(job.manifestBytes) == [
            "protocol", "job_id", "batch", "segment", "segment_count", "first_layer", "layer_count", "model_digest",
            "model_published_at_ms", "precision", "rows", "input_columns", "input_sha256", "reply_queue",
            "producer_key", "issued_at_ms",
        ])
        #expect(SampleJobs.keys(ManifestCoding.encode(job.annotations)) == ["attempt"])
        #expect(SampleJobs.keys(ManifestCoding.encode(ResultAnnotations(attempt: 1, workerID: "w", computeMs: 1.5)))
                == ["attempt", "worker_id", "compute_ms"])
        let text = String(decoding: job.manifestBytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"batch":0,"first_layer":0,"input_columns":5,"#), "keys are sorted, no spaces: \(text)")
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
        Self.expectManifestError("metadata without attempt") { _ = try JobMessage.decode(Self.jobFrame(job, metadata: Array("{}".utf8))) }
        Self.expectManifestError("empty metadata") { _ = try JobMessage.decode(Self.jobFrame(job, metadata: [])) }
        #expect(throws: FrameError.self) { _ = try JobMessage.decode(Array(job.encode().dropLast())) }
    }

    /// Each `validate()` rule, one broken field at a time.
    @Test(arguments: [
        ("protocol", 2 as Any), ("job_id", "a/b"), ("job_id", ""), ("job_id", String(repeating: "j", count: 201)),
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
        for field in ["job_id", "protocol", "precision", "issued_at_ms"] {
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
        #expect(decoded.annotations == ResultAnnotations(attempt: 2, workerID: "worker-7.host_a", computeMs: 12.25))
        #expect(decoded.input == job.input && decoded.outputs == outputs)
    }

    @Test func resultDecodingRejectsMalformedFrames() throws {
        let job = try Self.sampleJob()
        let output = Matrix(rows: 3, columns: 4)
        func frame(metadata: ResultAnnotations = ResultAnnotations(attempt: 1, workerID: "w", computeMs: 1),
                   tensors: [Matrix]? = nil, kind: FrameKind = .result) -> [UInt8] {
            FrameCodec.encode(Frame(kind: kind, manifest: job.manifestBytes, signature: job.signature,
                                    metadata: ManifestCoding.encode(metadata), tensors: tensors ?? [job.input, output]))
        }
        #expect(throws: Never.self) { _ = try ResultMessage.decode(frame()) }
        Self.expectManifestError("job kind") { _ = try ResultMessage.decode(frame(kind: .job)) }
        Self.expectManifestError("one output too many") { _ = try ResultMessage.decode(frame(tensors: [job.input, output, output])) }
        Self.expectManifestError("no output") { _ = try ResultMessage.decode(frame(tensors: [job.input])) }
        Self.expectManifestError("attempt 0") {
            _ = try ResultMessage.decode(frame(metadata: ResultAnnotations(attempt: 0, workerID: "w", computeMs: 1)))
        }
        Self.expectManifestError("worker id with a space") {
            _ = try ResultMessage.decode(frame(metadata: ResultAnnotations(attempt: 1, workerID: "w 1", computeMs: 1)))
        }
    }

    // MARK: Reply

    static func passedReply(output: Matrix, digest: String? = nil, signer: SigningIdentity = verifier,
                            maxResidualRatio: Double = 0.01) throws -> ReplyMessage {
        let manifest = ReplyManifest(jobID: "job-1", batch: 4, segment: 1, attempt: 2, verdict: .passed, reason: "",
                                     outputSHA256: digest ?? Digest.tensor(output), auditRowID: 981,
                                     verifierID: "verifier-1", maxResidualRatio: maxResidualRatio, rounds: 2,
                                     precision: .exact)
        return try ReplyMessage(manifest: manifest, output: output, signedBy: signer)
    }

    @Test func replyRoundTripsUnderTheVerifierKey() throws {
        let output = Matrix([[1, 2, 3], [4, 5, 6]])
        let reply = try Self.passedReply(output: output)
        let decoded = try ReplyMessage.decode(reply.encode(), trusting: [Self.producer.publicKey, Self.verifier.publicKey])
        #expect(decoded == reply)
        #expect(decoded.output == output && decoded.manifest.outputSHA256 == Digest.sha256Hex(ReferenceMath.tensorBytes(output)))
        #expect(SampleJobs.keys(reply.manifestBytes) == [
            "protocol", "job_id", "batch", "segment", "attempt", "verdict", "reason", "output_sha256", "audit_row_id",
            "verifier_id", "max_residual_ratio", "rounds", "precision",
        ])
    }

    @Test func replyIsRefusedUnderAnyOtherKey() throws {
        let reply = try Self.passedReply(output: Matrix([[1, 2]]))
        Self.expectManifestError("producer key only") { _ = try ReplyMessage.decode(reply.encode(), trusting: [Self.producer.publicKey]) }
        Self.expectManifestError("no key") { _ = try ReplyMessage.decode(reply.encode(), trusting: []) }
        let forged = try Self.passedReply(output: Matrix([[1, 2]]), signer: SampleJobs.identity(seed: 99))
        Self.expectManifestError("signed by a stranger") { _ = try ReplyMessage.decode(forged.encode(), trusting: [Self.verifier.publicKey]) }
        // A relay that edits the signed manifest (here: the verdict) breaks the signature.
        let failed = try ReplyMessage(manifest: ReplyManifest(jobID: "job-1", batch: 0, segment: 0, attempt: 1, verdict: .failed,
                                                              reason: "layer 0: residual", outputSHA256: nil, auditRowID: 1,
                                                              verifierID: "v", maxResidualRatio: 3, rounds: 2, precision: .exact),
                                      output: nil, signedBy: Self.verifier)
        let edited = Array(String(decoding: failed.manifestBytes, as: UTF8.self)
            .replacingOccurrences(of: #""verdict":"failed""#, with: #""verdict":"passed""#).utf8)
        #expect(edited != failed.manifestBytes)
        let frame = FrameCodec.encode(Frame(kind: .reply, manifest: edited, signature: failed.signature))
        Self.expectManifestError("verdict edited in transit") { _ = try ReplyMessage.decode(frame, trusting: [Self.verifier.publicKey]) }
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
                                     reason: "layer 2: residual 12× its bound", outputSHA256: nil, auditRowID: nil,
                                     verifierID: "v", maxResidualRatio: 12, rounds: 2, precision: .fast)
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
                                     reason: "layer 0 output is 2×3, expected 2×4", outputSHA256: nil, auditRowID: 5,
                                     verifierID: "v", maxResidualRatio: ratio, rounds: 2, precision: .exact)
        let reply = try ReplyMessage(manifest: manifest, output: nil, signedBy: Self.verifier)
        let decoded = try ReplyMessage.decode(reply.encode(), trusting: [Self.verifier.publicKey])
        #expect(decoded.manifest.maxResidualRatio.isNaN == ratio.isNaN)
        if !ratio.isNaN { #expect(decoded.manifest.maxResidualRatio == ratio) }
    }
}
