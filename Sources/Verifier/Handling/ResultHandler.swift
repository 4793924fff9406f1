import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Everything the verifier does with one delivered result, over three small interfaces (ledger,
/// outbox, models) so that each case runs in milliseconds in unit tests with in-memory doubles:
///
/// 1. bytes that cannot be tied to a job manifest → dead-letter queue, with the reason;
/// 2. otherwise one audit row per attempt (`ReplayCheck` decides redeliveries and replays), and a signed
///    reply to the manifest's reply queue for every verdict — passed, failed or rejected — naming the
///    manifest it is about, so the producer reacts at once and ignores replies about manifests it did
///    not sign.
///
/// Errors: `AMQPError` (broker) and `LedgerUnavailable` (database) are thrown so the loop keeps the
/// result unacked; `handle` throws nothing else — any other failure dead-letters the message.
public final class ResultHandler {
    public let verifierID: String
    public let rounds: Int
    public let maxMessageBytes: Int
    let identity: SigningIdentity
    let producers: () -> [TrustedKey]
    let reloadProducers: () -> Void
    let ledger: VerificationLedger
    let models: ModelSource
    let outbox: VerifierOutbox
    let logger: Logger
    /// The masked-mode pools whose results this verifier checks (`--pool`); blinded results always.
    let servedPools: Set<MaskedPool>

    /// What became of a delivery; the loop acks it after any of these.
    public enum Outcome: Equatable, Sendable {
        case deadLettered(reason: String)
        /// A new audit row was written and its reply sent.
        case answered(verdict: ResultEvaluation.Verdict, rowID: Int64, cause: String?)
        /// A redelivery of a result already recorded in `rowID`: its reply was sent again.
        case resent(verdict: ResultEvaluation.Verdict, rowID: Int64)
    }

    public init(verifierID: String, rounds: Int, maxMessageBytes: Int, identity: SigningIdentity,
                producers: @escaping () -> [TrustedKey], reloadProducers: @escaping () -> Void = {},
                ledger: VerificationLedger, models: ModelSource, outbox: VerifierOutbox, logger: Logger,
                servedPools: Set<MaskedPool> = Set(MaskedPool.allCases)) {
        self.verifierID = verifierID
        self.rounds = rounds
        self.maxMessageBytes = maxMessageBytes
        self.identity = identity
        self.producers = producers
        self.reloadProducers = reloadProducers
        self.ledger = ledger
        self.models = models
        self.outbox = outbox
        self.logger = logger
        self.servedPools = servedPools
    }

    public func handle(body: [UInt8], redelivered: Bool) throws -> Outcome {
        do {
            return try process(body: body, redelivered: redelivered)
        } catch let error as AMQPError {
            throw error
        } catch let error as LedgerUnavailable {
            throw error
        } catch {
            // Whatever else went wrong, the verifier keeps serving: the message is parked with the reason.
            let reason = "verifier could not handle this result: \(error)"
            logger.error("dead-lettering result", metadata: ["reason": "\(reason)"])
            try outbox.deadLetter(body, reason: reason)
            return .deadLettered(reason: reason)
        }
    }

    private func process(body: [UInt8], redelivered: Bool) throws -> Outcome {
        let started = Date()
        let limits = FrameLimits(maxFrameBytes: maxMessageBytes)
        // The kind byte (offset 5) says which decoder applies, without decoding a 16 MB frame twice.
        let isMasked = body.count > 5 && body[5] == FrameKind.maskedResult.rawValue
        do {
            if isMasked {
                let result = try MaskedResultMessage.decode(body, limits: limits)
                guard servedPools.contains(result.manifest.pool) else {
                    // A verifier serving one pool must not see the other's inputs: X̂ with the seed unmasks.
                    let reason = "a \(result.manifest.pool)-pool result reached a verifier serving \(servedPools.map(\.rawValue).sorted().joined(separator: " and ")) only"
                    logger.error("dead-lettering result", metadata: ["reason": "\(reason)"])
                    try outbox.deadLetter(body, reason: reason)
                    return .deadLettered(reason: reason)
                }
                return try process(result, redelivered: redelivered, started: started)
            }
            return try process(try ResultMessage.decode(body, limits: limits), redelivered: redelivered, started: started)
        } catch let error as ManifestError {
            return try deadLetterUndecodable(body, error)
        } catch let error as FrameError {
            return try deadLetterUndecodable(body, error)
        }
    }

    private func deadLetterUndecodable(_ body: [UInt8], _ error: Error) throws -> Outcome {
        let reason = "undecodable result: \(error)"
        logger.error("dead-lettering result", metadata: ["reason": "\(reason)"])
        try outbox.deadLetter(body, reason: reason)
        return .deadLettered(reason: reason)
    }

    private func process(_ result: some VerifiableResult, redelivered: Bool, started: Date) throws -> Outcome {
        let outputDigest = result.outputDigest()
        var row = result.ledgerEntry(verifierID: verifierID, rounds: rounds)
        row.outputDigest = outputDigest
        var context: Logger.Metadata = ["job": "\(result.jobID)", "batch": "\(result.batch)", "segment": "\(result.segment)",
                                        "attempt": "\(result.attempt)", "worker": "\(result.workerMetadata.workerID)"]
        if let pool = result.pool { context["pool"] = "\(pool)" }

        func conclude(_ evaluation: ResultEvaluation) throws -> Outcome {
            row.verdict = evaluation.verdict
            row.reason = evaluation.reason
            row.maxResidualRatio = Self.finite(evaluation.maxResidualRatio)
            row.verifyMs = Date().timeIntervalSince(started) * 1000
            let rowID = try ledger.record(row)
            var metadata = context
            metadata["row"] = "\(rowID)"
            switch evaluation.verdict {
            case .passed:
                metadata["max_residual_ratio"] = "\(String(format: "%.3g", evaluation.maxResidualRatio))"
                logger.info("passed", metadata: metadata)
            case .failed, .rejected:
                metadata["reason"] = "\(evaluation.reason)"
                logger.warning("\(evaluation.verdict.rawValue)", metadata: metadata)
            }
            try sendReply(for: result, verdict: ReplyManifest.Verdict(evaluation.verdict), reason: evaluation.reason, cause: evaluation.cause,
                          rowID: rowID, ratio: evaluation.maxResidualRatio, outputDigest: outputDigest)
            return .answered(verdict: evaluation.verdict, rowID: rowID, cause: evaluation.cause)
        }

        // 1. Who signed it, and is the input the signed one? Reload keys once if the signer is unknown.
        var authentication = result.authenticate(producers())
        if case .failure = authentication {
            reloadProducers()
            authentication = result.authenticate(producers())
        }
        let producerKey: TrustedKey
        switch authentication {
        case .success(let key): producerKey = key
        case .failure(let rejection):
            return try conclude(.rejection(rejection.reason, cause: rejection.cause))
        }
        row.producerKeyFingerprint = producerKey.fingerprint

        // 2. Redeliveries, replays and duplicates.
        let earlier = try ledger.earlierEntries(jobID: result.jobID, batch: result.batch, segment: result.segment,
                                                attempt: result.attempt, pool: result.pool)
        let decision = ReplayCheck.decide(
            batch: result.batch, segment: result.segment, attempt: result.attempt, outputDigest: outputDigest, redelivered: redelivered,
            passed: earlier.passed, sameAttempt: earlier.sameAttempt)
        switch decision {
        case .resendPassed(let passed):
            logger.notice("redelivered result already recorded; re-sending its reply", metadata: context.merging(["row": "\(passed.id)"]) { $1 })
            try sendReply(for: result, verdict: .passed, reason: "", cause: nil, rowID: passed.id, ratio: 0, outputDigest: outputDigest)
            return .resent(verdict: .passed, rowID: passed.id)
        case .resendFailed(let failed):
            logger.notice("redelivered result already recorded; re-sending its reply", metadata: context.merging(["row": "\(failed.id)"]) { $1 })
            try sendReply(for: result, verdict: .failed, reason: "verification failed (audit row \(failed.id))",
                          cause: ReplyManifest.Cause.checkFailed, rowID: failed.id, ratio: 0, outputDigest: outputDigest)
            return .resent(verdict: .failed, rowID: failed.id)
        case .replay(let reason):
            return try conclude(.rejection(reason, cause: ReplyManifest.Cause.replay, key: producerKey))
        case .verify:
            break
        }

        // 3. The model, then the check itself.
        let model: PublishedModel
        do {
            model = try models.model(digest: result.modelDigest, publishedAtMs: result.modelPublishedAtMs)
        } catch let error as AMQPError {
            throw error
        } catch {
            return try conclude(.rejection("model \(result.modelDigest.prefix(12)) unavailable: \(error)",
                                           cause: ReplyManifest.Cause.modelUnavailable, key: producerKey))
        }
        return try conclude(result.evaluate(signedBy: producerKey, model: model, rounds: rounds, outputDigest: outputDigest))
    }

    /// `outputDigest` is the forwarded tensor's digest, computed once per result (a result's tensors are
    /// megabytes: hashing them again for the reply was a second pass over them).
    private func sendReply(for result: some VerifiableResult, verdict: ReplyManifest.Verdict, reason: String, cause: String?,
                           rowID: Int64, ratio: Double, outputDigest: String) throws {
        let passed = verdict == .passed
        let forwarded = result.forwarded
        let manifest = ReplyManifest(jobID: result.jobID, batch: result.batch, segment: result.segment, attempt: result.attempt,
                                     verdict: verdict, reason: reason, cause: passed ? nil : cause,
                                     manifestSHA256: result.manifestSHA256, outputSHA256: passed ? outputDigest : nil,
                                     auditRowID: rowID, verifierID: verifierID, verifierKey: identity.publicKey.fingerprint,
                                     maxResidualRatio: Self.finite(ratio), rounds: rounds, precision: result.precision,
                                     pool: result.pool)
        let reply = try ReplyMessage(manifest: manifest, output: passed ? forwarded.output : nil,
                                     product: passed ? forwarded.product : nil, signedBy: identity)
        try outbox.reply(reply.encode(), toQueue: result.replyQueue)
    }

    /// JSON and the audit table hold finite numbers: an unbounded ratio is recorded as the largest double.
    static func finite(_ ratio: Double) -> Double {
        ratio.isNaN ? Double.greatestFiniteMagnitude : min(ratio, Double.greatestFiniteMagnitude)
    }
}

extension ReplyManifest.Verdict {
    init(_ verdict: ResultEvaluation.Verdict) {
        switch verdict {
        case .passed: self = .passed
        case .failed: self = .failed
        case .rejected: self = .rejected
        }
    }
}
