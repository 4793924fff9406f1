import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Drives one job to its end through the broker: publishes the blinded model once, dispatches batch
/// segments as `DispatchScheduler` says (a window of batches at a time, overdue or failed attempts
/// again as new signed attempts), unblinds each verified reply, re-blinds the next segment, and journals
/// every step before acking the reply that caused it. `submit` and `collect` both run it.
///
/// A job always ends: every batch verified, or failed with its reason, or — when nothing has progressed
/// for `progressTimeout` — a `JobStalled` error that names what is pending and how to resume.
final class JobRunner {
    let journal: JobJournal
    let network: Network
    let input: Matrix
    let session: BlindingSession
    let identity: SigningIdentity
    let verifierKeys: [TrustedKey]
    let verifierKeyPath: String
    let amqpURL: AMQPURL
    let logger: Logger
    let progress: ProgressReporter
    /// Give up after this long without a batch verified or failed; nil waits for ever.
    let progressTimeout: TimeInterval?
    private var scheduler: DispatchScheduler
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastProgress: TimeInterval = 0
    private var consumers = ConsumerCounts()
    private var untrustedVerifier: String?
    /// Batch keys of dispatched segments awaiting their reply, so a reply is unblinded without deriving
    /// its key again (16 bytes per row). After a restart keys are re-derived from the journaled seed.
    private var pendingBatchKeys: [BatchSegment: MonomialMatrix] = [:]

    private struct BatchSegment: Hashable {
        let batch: Int
        let segment: Int
    }

    init(journal: JobJournal, network: Network, input: Matrix, identity: SigningIdentity, verifierKeys: [TrustedKey],
         verifierKeyPath: String, amqpURL: AMQPURL, logger: Logger, progress: ProgressReporter,
         policy: DispatchPolicy, progressTimeout: TimeInterval?) {
        self.journal = journal
        self.network = network
        self.input = input
        self.identity = identity
        self.verifierKeys = verifierKeys
        self.verifierKeyPath = verifierKeyPath
        self.amqpURL = amqpURL
        self.logger = logger
        self.progress = progress
        self.progressTimeout = progressTimeout
        var modelRNG = KeyStream(seed: journal.record.seedBytes, label: "model keys")
        let plan = SegmentPlan(network: network, mode: journal.record.mode)
        session = BlindingSession(network: network, plan: plan,
                                  keys: ModelKeys.generate(for: network, plan: plan, using: &modelRNG))
        started = clock.now
        scheduler = DispatchScheduler(batchCount: journal.record.batchCount, policy: policy)
        restoreFromJournal()
    }

    /// Replies carry one output tensor; this bounds what the consumer buffers.
    static let maxBodyBytes = 128 << 20

    var jobID: String { journal.record.jobID }
    var replyQueue: String { SecureNetsTopology.replyQueue(forJob: jobID) }
    private var now: TimeInterval { (clock.now - started).timeInterval }

    private func restoreFromJournal() {
        for batch in journal.done { scheduler.restoreFinished(batch: batch, failed: false) }
        for batch in journal.failed.keys { scheduler.restoreFinished(batch: batch, failed: true) }
        for dispatch in journal.dispatches {
            scheduler.restoreDispatch(batch: dispatch.batch, segment: dispatch.segment, attempt: dispatch.attempt,
                                      manifestSHA256: dispatch.manifestSHA256, now: 0)
        }
        for failure in journal.countedFailures {
            scheduler.restoreCountedFailure(batch: failure.batch, segment: failure.segment, attempt: failure.attempt,
                                            reason: failure.reason)
        }
    }

    /// Runs until every batch is verified or failed for good, and returns the failed batches.
    ///
    /// A lost broker connection is retried with the one `RetryPolicy` (capped exponential backoff,
    /// jitter): every step is journaled, published messages are persisted by the broker before their
    /// confirm, and an unacked reply is redelivered, so resuming is always safe. Errors that waiting
    /// cannot fix (wrong password, missing vhost, 403, nothing listening at start-up) are thrown at once;
    /// `progressTimeout` bounds how long connecting may go on, too.
    func run() throws -> [Int: String] {
        let limit = progressTimeout.map { Duration.milliseconds(Int64($0 * 1000)) }
        return try BrokerRetry.run(giveUpAfter: limit, logger: logger) { attempt in
            progress.update(status(warning: nil))
            return try runConnected(attempt)
        }
    }

    private func runConnected(_ attempt: BrokerAttempt) throws -> [Int: String] {
        let consumer = try attempt.connect(url: amqpURL, connectionName: "securenets producer \(jobID) consume",
                                          maxBodyBytes: JobRunner.maxBodyBytes, logger: logger)
        defer { consumer.close() }
        let publisher = try attempt.connect(url: amqpURL, connectionName: "securenets producer \(jobID) publish",
                                           maxBodyBytes: JobRunner.maxBodyBytes, logger: logger)
        defer { publisher.close() }
        try SecureNetsTopology.declare(on: publisher)
        try SecureNetsTopology.declareReplyQueue(forJob: jobID, on: publisher)
        try publisher.enablePublisherConfirms()

        let modelBytes = ModelCodec.encode(session.blindedModel)
        let (modelDigest, chunks) = ModelChunks.split(modelBytes)
        if journal.modelPublishedAtMs == nil {
            let publishedAt = Int64(Date().timeIntervalSince1970 * 1000)
            for chunk in chunks {
                try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.modelsRoutingKey,
                                      body: chunk, properties: AMQPMessageProperties(headers: ["x-securenets-model": .string(modelDigest)]), mandatory: true)
            }
            try journal.recordModelPublished(atMs: publishedAt)
            logger.info("published blinded model", metadata: ["model": "\(modelDigest.prefix(12))", "bytes": "\(modelBytes.count)", "chunks": "\(chunks.count)"])
        }
        let context = PublishContext(modelDigest: modelDigest, publishedAtMs: journal.modelPublishedAtMs!)

        try consumer.setPrefetch(count: 16)
        _ = try consumer.consume(queue: replyQueue, arguments: [:])
        lastProgress = now
        while !scheduler.isComplete {
            for action in scheduler.actions(now: now) { try perform(action, context: context, publisher: publisher) }
            consumers.refreshIfDue(at: now, on: publisher)
            progress.update(status(warning: waitingReason()))
            if let progressTimeout, now - lastProgress > progressTimeout { throw stalled(because: waitingReason()) }
            let wait = min(1, max(0.01, (scheduler.nextDeadline ?? .infinity) - now))
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(Int64(wait * 1000))) else { continue }
            try handle(delivery.body, context: context, publisher: publisher)
            try consumer.ack(deliveryTag: delivery.deliveryTag)
        }
        progress.update(status(warning: nil))
        progress.finish()
        return journal.failed
    }

    struct PublishContext {
        let modelDigest: String
        let publishedAtMs: Int64
    }

    private func perform(_ action: DispatchScheduler.Action, context: PublishContext, publisher: AMQPConnection) throws {
        switch action {
        case .dispatch(let batch, let segment, let attempt, let cause):
            let activations = segment == 0 ? input.selectingRows(journal.record.rows(ofBatch: batch))
                                           : try journal.segmentInput(batch: batch, segment: segment)
            try dispatch(batch: batch, segment: segment, attempt: attempt, activations: activations, context: context,
                         publisher: publisher)
            if cause != .first {
                logger.notice("dispatched batch again", metadata: ["batch": "\(batch)", "segment": "\(segment)", "attempt": "\(attempt)",
                                                                    "because": "\(cause == .overdue ? "no reply before the deadline" : "the last attempt failed")"])
            }
        case .fail(let batch, let reason):
            pendingBatchKeys = pendingBatchKeys.filter { $0.key.batch != batch }
            logger.error("batch could not be verified", metadata: ["batch": "\(batch)", "reason": "\(reason)"])
            try journal.recordFailed(batch: batch, reason: reason)
            lastProgress = now
        }
    }

    private func batchKeyStream(batch: Int, segment: Int) -> KeyStream {
        KeyStream(seed: journal.record.seedBytes, label: "batch \(batch) segment \(segment)")
    }

    /// Blinds and publishes one attempt of one batch segment. The blinded input is the same for every
    /// attempt (the key derives from the journaled seed), so attempts differ only in their signed
    /// `attempt`.
    private func dispatch(batch: Int, segment: Int, attempt: Int, activations: Matrix, context: PublishContext,
                          publisher: AMQPConnection) throws {
        var rng = batchKeyStream(batch: batch, segment: segment)
        let (blinded, batchKey) = try session.blindInput(activations, segment: segment, using: &rng)
        let layers = session.plan.segments[segment]
        let manifest = JobManifest(
            jobID: jobID, batch: batch, segment: segment, attempt: attempt, segmentCount: session.plan.segments.count,
            firstLayer: layers.lowerBound, layerCount: layers.count, modelDigest: context.modelDigest,
            modelPublishedAtMs: context.publishedAtMs, precision: journal.record.precision, rows: blinded.rows,
            inputColumns: blinded.columns, inputSHA256: Digest.tensor(blinded), replyQueue: replyQueue,
            producerKey: identity.publicKey.fingerprint, issuedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
        let job = try JobMessage(manifest: manifest, input: blinded, signedBy: identity)
        // Write-ahead: the dispatch is journaled (and scheduled) before it is published, so a reply
        // about it is always recognized, even after a crash between the publish and the next step. A
        // dispatch journaled but never published simply passes its deadline and is sent again.
        try journal.recordDispatched(batch: batch, segment: segment, attempt: attempt, manifestSHA256: job.manifestSHA256)
        scheduler.dispatched(batch: batch, segment: segment, attempt: attempt, manifestSHA256: job.manifestSHA256, now: now)
        pendingBatchKeys[BatchSegment(batch: batch, segment: segment)] = batchKey
        try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.jobsRoutingKey,
                              body: job.encode(), properties: AMQPMessageProperties(headers: [:]), mandatory: true)
    }

    private func handle(_ body: [UInt8], context: PublishContext, publisher: AMQPConnection) throws {
        let reply: ReplyMessage
        do {
            reply = try ReplyMessage.decode(body, trusting: verifierKeys)
        } catch let untrusted as UntrustedReply {
            noteUntrustedVerifier(untrusted.manifest)
            return
        } catch {
            logger.warning("ignoring a reply that is not a valid signed verifier reply", metadata: ["error": "\(error)"])
            return
        }
        let m = reply.manifest
        guard m.jobID == jobID else {
            logger.warning("ignoring a reply for another job", metadata: ["job": "\(m.jobID)"])
            return
        }
        let effect = scheduler.reply(batch: m.batch, segment: m.segment, attempt: m.attempt, manifestSHA256: m.manifestSHA256,
                                     passed: m.verdict == .passed, isReplay: m.cause == ReplyManifest.Cause.replay, reason: "\(m.verdict.rawValue): \(m.reason)", now: now)
        switch effect {
        case .apply:
            guard let output = reply.output else { return }
            let batchKey = pendingBatchKeys.removeValue(forKey: BatchSegment(batch: m.batch, segment: m.segment)) ?? {
                var rng = batchKeyStream(batch: m.batch, segment: m.segment)
                return session.batchKey(rows: journal.record.rows(ofBatch: m.batch).count, segment: m.segment, using: &rng)
            }()
            let next = try session.finishSegment(output, segment: m.segment, batchKey: batchKey)
            lastProgress = now
            if m.segment + 1 < session.plan.segments.count {
                try journal.recordSegmentInput(batch: m.batch, segment: m.segment + 1, input: next)
                if let action = scheduler.segmentFinished(batch: m.batch, nextSegment: m.segment + 1) {
                    try perform(action, context: context, publisher: publisher)
                }
            } else {
                try journal.recordDone(batch: m.batch, output: next)
                _ = scheduler.segmentFinished(batch: m.batch, nextSegment: nil)
            }
        case .counted(let failures):
            logger.warning("attempt not verified", metadata: ["batch": "\(m.batch)", "segment": "\(m.segment)", "attempt": "\(m.attempt)",
                                                              "verdict": "\(m.verdict.rawValue)", "reason": "\(m.reason)", "failed_attempts": "\(failures)"])
            try journal.recordCountedFailure(batch: m.batch, segment: m.segment, attempt: m.attempt, reason: "\(m.verdict.rawValue): \(m.reason)")
            if m.cause == ReplyManifest.Cause.unauthorizedProducer { throw unauthorizedProducer(verifierID: m.verifierID) }
        case .late(let why):
            if m.batch >= 0, m.batch < journal.record.batchCount {
                try journal.recordLate(batch: m.batch, segment: m.segment, attempt: m.attempt, verdict: m.verdict.rawValue)
            }
            logger.info("ignoring a late or duplicate reply", metadata: ["batch": "\(m.batch)", "segment": "\(m.segment)",
                                                                        "attempt": "\(m.attempt)", "verdict": "\(m.verdict.rawValue)", "why": "\(why)"])
        }
    }

    // MARK: Telling the user what is wrong

    private func status(warning: String?) -> JobProgress {
        JobProgress(done: scheduler.doneCount, failed: scheduler.failedCount, total: scheduler.batchCount,
                    pending: scheduler.inFlight, redispatched: scheduler.redispatchedCount, warning: warning)
    }

    private func waitingReason() -> String? {
        if let untrustedVerifier { return untrustedVerifier }
        if consumers.jobs == 0 { return "no worker is consuming \(SecureNetsTopology.jobsQueue)" }
        if consumers.results == 0 { return "no verifier is consuming \(SecureNetsTopology.resultsQueue)" }
        return nil
    }

    private func noteUntrustedVerifier(_ manifest: ReplyManifest) {
        let message = "replies are signed by verifier '\(manifest.verifierID)' (key \(manifest.verifierKey.prefix(16))), which \(verifierKeyPath) does not hold"
        if untrustedVerifier == nil {
            FileHandle.standardError.write(Data("""
                securenets: \(message).
                  If you trust that verifier, pass its public key file (verifier.key.pub on its machine) with
                  --verifier-key, then finish this job with: securenets collect \(jobID) --verifier-key FILE

                """.utf8))
        }
        untrustedVerifier = message
    }

    private func unauthorizedProducer(verifierID: String) -> Error {
        JobStopped("""
            the verifier '\(verifierID)' does not accept this producer's key (\(identity.publicKey.fingerprint.prefix(16))).
              Add this line to the verifier's authorized-keys file (securenets-verifier serve --authorized-keys FILE;
              default $SECURENETS_HOME/keys/authorized_producers on the verifier's machine):
                \(identity.publicKey.authorizedKeyLine)
              The verifier reloads the file by itself. Then finish the job with: securenets collect \(jobID)
            """)
    }

    private func stalled(because reason: String?) -> Error {
        let pending = scheduler.batchCount - scheduler.doneCount - scheduler.failedCount
        var text = "no batch verified or failed for \(Int(progressTimeout ?? 0)) s; \(pending) batch(es) pending"
        if let reason { text += " (\(reason))" }
        text += ". Finish later with: securenets collect \(jobID)"
        return JobStopped(text)
    }
}

/// The job stopped before its end for a reason the user must act on; it stays resumable with `collect`.
struct JobStopped: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How many consumers the jobs and results queues have, polled every few seconds so the producer can
/// say that nobody is there to work or to verify.
struct ConsumerCounts {
    var jobs: Int?
    var results: Int?
    private var checkedAt: TimeInterval = -.infinity

    mutating func refreshIfDue(at now: TimeInterval, on connection: AMQPConnection, every interval: TimeInterval = 5) {
        guard now - checkedAt >= interval else { return }
        checkedAt = now
        jobs = try? connection.declareQueuePassive(SecureNetsTopology.jobsQueue).consumerCount
        results = try? connection.declareQueuePassive(SecureNetsTopology.resultsQueue).consumerCount
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }
}
