import Logging
import SecureNets
import SecureNetsVerifier
import Testing

/// Every case of the verifier's handling of one result, with in-memory doubles: which row is written,
/// which reply is sent (and that it names the manifest), what is dead-lettered, and that nothing a
/// worker sends makes `handle` throw anything but broker or database unavailability.
@Suite struct ResultHandlerTests {
    struct Harness {
        let ledger = InMemoryLedger()
        let outbox = RecordingOutbox()
        let tiny: TinyJob
        let handler: ResultHandler

        init(tiny: TinyJob? = nil, producers: [TrustedKey] = [TinyJob.producer.publicKey], models: [String: BlindedModel]? = nil) throws {
            let tiny = try tiny ?? TinyJob()
            self.tiny = tiny
            handler = ResultHandler(verifierID: "v1", rounds: 2, maxMessageBytes: 1 << 24, identity: TinyJob.verifier,
                                    producers: { producers }, ledger: ledger,
                                    models: FixedModels(models ?? [tiny.modelDigest: tiny.session.blindedModel]),
                                    outbox: outbox, logger: Logger(label: "test"))
        }

        /// The one reply sent, decoded under the verifier's key.
        func onlyReply() throws -> ReplyMessage {
            try #require(outbox.replies.count == 1, "expected one reply, got \(outbox.replies.count)")
            #expect(outbox.replies[0].queue == tiny.job.manifest.replyQueue)
            return try ReplyMessage.decode(outbox.replies[0].body, trusting: [TinyJob.verifier.publicKey])
        }
    }

    @Test func anHonestResultPassesIsRecordedAndAnswered() throws {
        let h = try Harness()
        let outcome = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
        #expect(outcome == .answered(verdict: .passed, rowID: 1, cause: nil))
        #expect(h.ledger.rows.count == 1 && h.ledger.rows[0].entry.verdict == .passed)
        #expect(h.ledger.rows[0].entry.workerID == "w1" && h.ledger.rows[0].entry.attempt == 1)
        let reply = try h.onlyReply()
        #expect(reply.manifest.verdict == .passed && reply.output == h.tiny.outputs.last)
        #expect(reply.manifest.manifestSHA256 == h.tiny.job.manifestSHA256)
        #expect(reply.manifest.verifierKey == TinyJob.verifier.publicKey.fingerprint)
    }

    @Test func theAttemptIsTheSignedOneNotTheWorkers() throws {
        let h = try Harness(tiny: try TinyJob(attempt: 4))
        // A worker that claims attempt 1 in its metadata changes nothing: metadata has no attempt.
        _ = try h.handler.handle(body: h.tiny.resultFrame(metadata: #"{"attempt":1,"compute_ms":2,"worker_id":"w1"}"#),
                                 redelivered: false)
        #expect(h.ledger.rows.map(\.entry.attempt) == [4])
        #expect(try h.onlyReply().manifest.attempt == 4)
    }

    @Test func undecodableBytesAreDeadLetteredWithTheReason() throws {
        let h = try Harness()
        let outcome = try h.handler.handle(body: Array("definitely not a frame".utf8), redelivered: false)
        guard case .deadLettered(let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("undecodable result"))
        #expect(h.outbox.deadLetters.count == 1 && h.outbox.replies.isEmpty && h.ledger.rows.isEmpty)
    }

    @Test(arguments: [
        #"{"worker_id":"w1","compute_ms":-1}"#, #"{"worker_id":"w1","compute_ms":"NaN"}"#,
        #"{"worker_id":"w1","compute_ms":"Infinity"}"#, #"{"worker_id":"w1","compute_ms":1e308}"#,
        #"{"worker_id":"x\ny","compute_ms":1}"#, "{\"worker_id\":\"\(String(repeating: "w", count: 5000))\",\"compute_ms\":1}",
        #"{"compute_ms":1}"#, "[]", "",
    ])
    func garbageMetadataIsAFailedAttemptAnsweredAtOnce(metadata: String) throws {
        let h = try Harness()
        let outcome = try h.handler.handle(body: h.tiny.resultFrame(metadata: metadata), redelivered: false)
        #expect(outcome == .answered(verdict: .failed, rowID: 1, cause: ReplyManifest.Cause.malformedResult))
        #expect(h.ledger.rows[0].entry.workerID == "invalid" && h.ledger.rows[0].entry.workerComputeMs == 0,
                "nothing unvalidated reaches the audit row")
        let reply = try h.onlyReply()
        #expect(reply.manifest.verdict == .failed && reply.manifest.reason.contains("worker metadata"))
    }

    @Test func aMissingTensorIsAFailedAttemptNotADeadLetter() throws {
        let h = try Harness()
        let outcome = try h.handler.handle(body: h.tiny.resultFrame(tensors: [h.tiny.job.input, h.tiny.outputs[0]]), redelivered: false)
        #expect(outcome == .answered(verdict: .failed, rowID: 1, cause: ReplyManifest.Cause.malformedResult))
        #expect(h.outbox.deadLetters.isEmpty)
        #expect(try h.onlyReply().manifest.reason.contains("expected 3"))
    }

    @Test func aChangedOutputFailsTheCheckAndIsAnswered() throws {
        let h = try Harness()
        var outputs = h.tiny.outputs
        outputs[1][0, 0] += 1
        _ = try h.handler.handle(body: h.tiny.resultFrame(tensors: [h.tiny.job.input] + outputs), redelivered: false)
        let reply = try h.onlyReply()
        #expect(reply.manifest.verdict == .failed && reply.manifest.cause == ReplyManifest.Cause.checkFailed)
        #expect(reply.manifest.maxResidualRatio > 1, "a failed reply says how far over its bound the check was")
    }

    @Test func anUnauthorizedProducerIsToldSo() throws {
        let h = try Harness(producers: [])
        let outcome = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
        #expect(outcome == .answered(verdict: .rejected, rowID: 1, cause: ReplyManifest.Cause.unauthorizedProducer))
        let reply = try h.onlyReply()
        #expect(reply.manifest.verdict == .rejected && reply.manifest.manifestSHA256 == h.tiny.job.manifestSHA256)
    }

    @Test func anAlteredInputIsRejected() throws {
        let h = try Harness()
        var input = h.tiny.job.input
        input[0, 0] += 1
        _ = try h.handler.handle(body: h.tiny.resultFrame(tensors: [input] + h.tiny.outputs), redelivered: false)
        #expect(try h.onlyReply().manifest.cause == ReplyManifest.Cause.inputMismatch)
        #expect(h.ledger.rows[0].entry.verdict == .rejected)
    }

    @Test func aReplayIsRejectedAndARedeliveryRepeatsItsReply() throws {
        let h = try Harness()
        _ = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
        // The broker redelivers the same result (the verifier died before its ack): same reply, no row.
        #expect(try h.handler.handle(body: h.tiny.result.encode(), redelivered: true) == .resent(verdict: .passed, rowID: 1))
        #expect(h.ledger.rows.count == 1 && h.outbox.replies.count == 2)
        // A worker sends it again as a new message: a replay.
        let replay = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
        #expect(replay == .answered(verdict: .rejected, rowID: 2, cause: ReplyManifest.Cause.replay))
    }

    @Test func aMissingModelIsRejectedAndAnswered() throws {
        let h = try Harness(models: [:])
        #expect(try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
                == .answered(verdict: .rejected, rowID: 1, cause: ReplyManifest.Cause.modelUnavailable))
    }

    @Test func aDatabaseOutageIsThrownSoTheResultIsHeld() throws {
        let h = try Harness()
        h.ledger.failNextRecord = LedgerUnavailable("connection refused")
        #expect(throws: LedgerUnavailable.self) { _ = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false) }
        #expect(h.outbox.replies.isEmpty && h.outbox.deadLetters.isEmpty)
    }

    @Test func anyOtherFailureDeadLettersInsteadOfStoppingTheVerifier() throws {
        struct ConstraintViolation: Error {}
        let h = try Harness()
        h.ledger.failNextRecord = ConstraintViolation()
        let outcome = try h.handler.handle(body: h.tiny.result.encode(), redelivered: false)
        guard case .deadLettered(let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("ConstraintViolation"))
        // And the next result is served as usual.
        #expect(try h.handler.handle(body: h.tiny.result.encode(), redelivered: false) == .answered(verdict: .passed, rowID: 1, cause: nil))
    }
}

/// Masked-mode results through the same handler: rows record the mode and the pool, attempts are per
/// pool, and a verifier serving one pool never checks the other's.
@Suite struct MaskedResultHandlerTests {
    func handler(_ tiny: TinyMaskedJob, ledger: InMemoryLedger, outbox: RecordingOutbox,
                 pools: Set<MaskedPool> = Set(MaskedPool.allCases)) -> ResultHandler {
        ResultHandler(verifierID: "v1", rounds: 2, maxMessageBytes: 1 << 24, identity: TinyJob.verifier,
                      producers: { [TinyJob.producer.publicKey] }, ledger: ledger,
                      models: FixedModels(published: [tiny.modelDigest: tiny.published]), outbox: outbox,
                      logger: Logger(label: "test"), servedPools: pools)
    }

    @Test func bothPoolsPassAsSeparateAttemptsAndTheReplyCarriesTheProduct() throws {
        let tiny = try TinyMaskedJob()
        let ledger = InMemoryLedger(), outbox = RecordingOutbox()
        let handler = handler(tiny, ledger: ledger, outbox: outbox)
        for pool in MaskedPool.allCases {
            #expect(try handler.handle(body: try tiny.result(pool).encode(), redelivered: false)
                    == .answered(verdict: .passed, rowID: pool == .data ? 1 : 2, cause: nil))
        }
        #expect(ledger.rows.map(\.entry.pool) == [.data, .mask])
        #expect(ledger.rows.allSatisfy { $0.entry.privacyMode == .masked && $0.entry.attempt == 1 })
        #expect(ledger.rows[1].entry.inputDigest == "", "no input digest, let alone a seed, for the mask pool")
        for (index, pool) in MaskedPool.allCases.enumerated() {
            let reply = try ReplyMessage.decode(outbox.replies[index].body, trusting: [TinyJob.verifier.publicKey])
            #expect(reply.manifest.pool == pool && reply.manifest.verdict == .passed)
            #expect(reply.product == (try tiny.product(pool)) && reply.output == nil)
        }
        // A second data-pool result for the layer is a replay; the mask pool's pass does not make it one.
        let replayed = try handler.handle(body: try tiny.result(.data).encode(), redelivered: false)
        #expect(replayed == .answered(verdict: .rejected, rowID: 3, cause: ReplyManifest.Cause.replay))
    }

    @Test func aVerifierServingOnePoolDeadLettersTheOtherPoolsResult() throws {
        let tiny = try TinyMaskedJob()
        let ledger = InMemoryLedger(), outbox = RecordingOutbox()
        let handler = handler(tiny, ledger: ledger, outbox: outbox, pools: [.mask])
        guard case .deadLettered(let reason) = try handler.handle(body: try tiny.result(.data).encode(), redelivered: false) else {
            Issue.record("a data-pool result was handled by a mask-only verifier")
            return
        }
        #expect(reason.contains("data-pool result"))
        #expect(ledger.rows.isEmpty && outbox.replies.isEmpty)
        #expect(try handler.handle(body: try tiny.result(.mask).encode(), redelivered: false)
                == .answered(verdict: .passed, rowID: 1, cause: nil))
    }

    @Test func aTamperedProductIsAnsweredFailed() throws {
        let tiny = try TinyMaskedJob()
        let ledger = InMemoryLedger(), outbox = RecordingOutbox()
        var elements = try tiny.product(.mask).elements
        elements[0] = (elements[0] + 1) % PrimeField.modulus
        let tampered = try tiny.result(.mask, product: try ResidueMatrix(rows: 4, columns: 6, elements: elements))
        #expect(try handler(tiny, ledger: ledger, outbox: outbox).handle(body: tampered.encode(), redelivered: false)
                == .answered(verdict: .failed, rowID: 1, cause: ReplyManifest.Cause.checkFailed))
        let reply = try ReplyMessage.decode(outbox.replies[0].body, trusting: [TinyJob.verifier.publicKey])
        #expect(reply.manifest.verdict == .failed && reply.product == nil)
    }
}
