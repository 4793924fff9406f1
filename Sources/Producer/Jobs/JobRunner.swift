import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Drives one job to its end through the broker: publishes the protected model once, dispatches lanes'
/// segments as `DispatchScheduler` says (a window of batches at a time, overdue or failed attempts
/// again as new signed attempts), lets the job's `JobProtection` turn each verified reply into the next
/// step, and journals every step before acking the reply that caused it. `submit` and `collect` both
/// run it, in either protection.
///
/// A job always ends: every batch verified, or failed with its reason, or — when nothing has progressed
/// for `progressTimeout` — a `JobStalled` error that names what is pending and how to resume.
final class JobRunner {
    let journal: JobJournal
    let protection: JobProtection
    let identity: SigningIdentity
    let verifierKeys: [TrustedKey]
    let verifierKeyPath: String
    /// The broker's URLs, one per cluster node, tried in turn (``FailoverSchedule``).
    let amqpURLs: AMQPURLList
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
    /// Lane steps the restored journal made due before the first reply.
    private var restoredSteps: [LaneStep] = []
    /// Whether the window follows the workers present (`WindowSizing`) rather than `--window`.
    let automaticWindow: Bool
    /// The largest job message of this job (a batch's protected input), for the backlog budget.
    private let messageBytes: Int

    /// Throws `MaskedModeError` when the network does not fit masked mode, or a journal file error.
    init(journal: JobJournal, network: Network, input: RowSource, identity: SigningIdentity, verifierKeys: [TrustedKey],
         verifierKeyPath: String, amqpURLs: AMQPURLList, logger: Logger, progress: ProgressReporter,
         policy: DispatchPolicy, automaticWindow: Bool = false, progressTimeout: TimeInterval?) throws {
        self.journal = journal
        self.automaticWindow = automaticWindow
        messageBytes = 4 * journal.record.batchSize * (network.widths.max() ?? 1)
        protection = try PhaseProfile.shared.measure(.model) { () throws -> JobProtection in
            switch journal.record.privacyMode {
            case .blinded: BlindedJob(journal: journal, network: network, input: input, identity: identity)
            case .masked: try MaskedJob(journal: journal, network: network, input: input, identity: identity)
            }
        }
        self.identity = identity
        self.verifierKeys = verifierKeys
        self.verifierKeyPath = verifierKeyPath
        self.amqpURLs = amqpURLs
        self.logger = logger
        self.progress = progress
        self.progressTimeout = progressTimeout
        started = clock.now
        var lanePolicy = policy
        lanePolicy.window = policy.window * protection.lanesPerBatch
        scheduler = DispatchScheduler(batchCount: journal.record.batchCount * protection.lanesPerBatch, policy: lanePolicy)
        try restoreFromJournal()
    }

    /// Replies carry one output tensor; this bounds what the consumer buffers.
    static let maxBodyBytes = 128 << 20

    var jobID: String { journal.record.jobID }
    var replyQueue: String { SecureNetsTopology.replyQueue(forJob: jobID) }
    private var now: TimeInterval { (clock.now - started).timeInterval }

    private func lanes(ofBatch batch: Int) -> Range<Int> {
        (batch * protection.lanesPerBatch)..<((batch + 1) * protection.lanesPerBatch)
    }

    private func restoreFromJournal() throws {
        for batch in journal.done { for lane in lanes(ofBatch: batch) { scheduler.restoreFinished(batch: lane, failed: false) } }
        for batch in journal.failed.keys { for lane in lanes(ofBatch: batch) { scheduler.restoreFinished(batch: lane, failed: true) } }
        for dispatch in journal.dispatches {
            scheduler.restoreDispatch(batch: dispatch.batch, segment: dispatch.segment, attempt: dispatch.attempt,
                                      manifestSHA256: dispatch.manifestSHA256, now: 0)
        }
        for failure in journal.countedFailures {
            scheduler.restoreCountedFailure(batch: failure.batch, segment: failure.segment, attempt: failure.attempt,
                                            reason: failure.reason)
        }
        restoredSteps = try protection.restore(into: &scheduler)
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
        return try BrokerRetry.run(urls: amqpURLs, giveUpAfter: limit, logger: logger) { attempt in
            progress.update(status(warning: nil))
            return try runConnected(attempt)
        }
    }

    private func runConnected(_ attempt: BrokerAttempt) throws -> [Int: String] {
        let consumer = try attempt.connect(connectionName: "securenets producer \(jobID) consume",
                                          maxBodyBytes: JobRunner.maxBodyBytes, logger: logger)
        defer { consumer.close() }
        let publisher = try attempt.connect(connectionName: "securenets producer \(jobID) publish",
                                           maxBodyBytes: JobRunner.maxBodyBytes, logger: logger)
        defer { publisher.close() }
        try SecureNetsTopology.declare(on: publisher)
        try SecureNetsTopology.declareReplyQueue(forJob: jobID, on: publisher)
        try publisher.enablePublisherConfirms()

        let profile = PhaseProfile.shared
        profile.enter(.model)
        let modelBytes = protection.modelBytes()
        let (modelDigest, chunks) = ModelChunks.split(modelBytes)
        if journal.modelPublishedAtMs == nil {
            let publishedAt = Int64(Date().timeIntervalSince1970 * 1000)
            for chunk in chunks {
                try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.modelsRoutingKey,
                                      body: chunk, properties: AMQPMessageProperties(headers: ["x-securenets-model": .string(modelDigest)]), mandatory: true)
            }
            try journal.recordModelPublished(atMs: publishedAt)
            logger.info("published model", metadata: ["model": "\(modelDigest.prefix(12))", "bytes": "\(modelBytes.count)", "chunks": "\(chunks.count)"])
        }
        let context = PublishContext(jobID: jobID, replyQueue: replyQueue, modelDigest: modelDigest,
                                     publishedAtMs: journal.modelPublishedAtMs!)
        profile.enter(.other)
        let due = restoredSteps
        restoredSteps = []
        try take(due, context: context, publisher: publisher)

        consumers.queues = protection.queues
        try consumer.setPrefetch(count: 16)
        _ = try consumer.consume(queue: replyQueue, arguments: [:])
        lastProgress = now
        while !scheduler.isComplete {
            for action in scheduler.actions(now: now) { try perform(action, context: context, publisher: publisher) }
            if consumers.refreshIfDue(at: now, on: publisher), automaticWindow {
                let window = WindowSizing.window(consumers: consumers.fewestWorkers, messageBytes: messageBytes)
                if window * protection.lanesPerBatch != scheduler.policy.window {
                    logger.info("window", metadata: ["batches": "\(window)", "workers": "\(consumers.fewestWorkers.map(String.init) ?? "unknown")"])
                    scheduler.setWindow(window * protection.lanesPerBatch)
                }
            }
            progress.update(status(warning: waitingReason()))
            if let progressTimeout, now - lastProgress > progressTimeout { throw stalled(because: waitingReason()) }
            let wait = min(1, max(0.01, (scheduler.nextDeadline ?? .infinity) - now))
            guard let delivery = try profile.measure(.waiting, { try consumer.nextDelivery(timeout: .milliseconds(Int64(wait * 1000))) })
            else { continue }
            try handle(delivery.body, context: context, publisher: publisher)
            try profile.measure(.replies) { try consumer.ack(deliveryTag: delivery.deliveryTag) }
        }
        progress.update(status(warning: nil))
        progress.finish()
        return journal.failed
    }

    struct PublishContext {
        let jobID: String
        let replyQueue: String
        let modelDigest: String
        let publishedAtMs: Int64
    }

    private func perform(_ action: DispatchScheduler.Action, context: PublishContext, publisher: AMQPConnection) throws {
        switch action {
        case .dispatch(let lane, let segment, let attempt, let cause):
            try dispatch(lane: lane, segment: segment, attempt: attempt, context: context, publisher: publisher)
            if cause != .first {
                logger.notice("dispatched again", metadata: ["lane": "\(lane)", "segment": "\(segment)", "attempt": "\(attempt)",
                                                             "because": "\(cause == .overdue ? "no reply before the deadline" : "the last attempt failed")"])
            }
        case .fail(let lane, let reason):
            let batch = lane / protection.lanesPerBatch
            for other in lanes(ofBatch: batch) where other != lane { scheduler.markFailed(batch: other) }
            guard journal.failed[batch] == nil else { return }
            protection.forget(batch: batch)
            logger.error("batch could not be verified", metadata: ["batch": "\(batch)", "reason": "\(reason)"])
            try journal.recordFailed(batch: batch, reason: reason)
            lastProgress = now
        }
    }

    /// Publishes one attempt of one lane's segment. Attempts of a segment carry the same protected
    /// input (every key derives from the journaled seed) and differ only in their signed `attempt`.
    private func dispatch(lane: Int, segment: Int, attempt: Int, context: PublishContext, publisher: AMQPConnection) throws {
        let job = try protection.outgoing(lane: lane, segment: segment, attempt: attempt, context: context)
        // Write-ahead: the dispatch is journaled (and scheduled) before it is published, so a reply
        // about it is always recognized, even after a crash between the publish and the next step. A
        // dispatch journaled but never published simply passes its deadline and is sent again.
        let profile = PhaseProfile.shared
        try profile.measure(.journal) {
            try journal.recordDispatched(batch: lane, segment: segment, attempt: attempt, manifestSHA256: job.manifestSHA256)
        }
        scheduler.dispatched(batch: lane, segment: segment, attempt: attempt, manifestSHA256: job.manifestSHA256, now: now)
        try profile.measure(.publishing) {
            try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: job.routingKey,
                                  body: job.body, properties: AMQPMessageProperties(headers: [:]), mandatory: true)
        }
    }

    /// Tells the scheduler that lanes moved on, and dispatches what that makes due.
    private func take(_ steps: [LaneStep], context: PublishContext, publisher: AMQPConnection) throws {
        for step in steps {
            lastProgress = now
            switch step {
            case let .next(lane, segment):
                if let action = scheduler.segmentFinished(batch: lane, nextSegment: segment) {
                    try perform(action, context: context, publisher: publisher)
                }
            case .done(let lane):
                _ = scheduler.segmentFinished(batch: lane, nextSegment: nil)
            }
        }
    }

    private func handle(_ body: [UInt8], context: PublishContext, publisher: AMQPConnection) throws {
        let reply: ReplyMessage
        do {
            let profile = PhaseProfile.shared
            reply = try profile.measure(.replies) {
                try ReplyMessage.decode(body, trusting: verifierKeys) { digest in profile.measure(.hashing, digest) }
            }
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
        guard let lane = protection.lane(of: m), lane >= 0, lane < scheduler.batchCount else {
            logger.warning("ignoring a reply that names no lane of this job", metadata: ["batch": "\(m.batch)", "pool": "\(m.pool?.rawValue ?? "none")"])
            return
        }
        let metadata: Logger.Metadata = ["batch": "\(m.batch)", "segment": "\(m.segment)", "attempt": "\(m.attempt)",
                                         "pool": "\(m.pool?.rawValue ?? "-")", "verdict": "\(m.verdict.rawValue)"]
        let effect = scheduler.reply(batch: lane, segment: m.segment, attempt: m.attempt, manifestSHA256: m.manifestSHA256,
                                     passed: m.verdict == .passed, isReplay: m.cause == ReplyManifest.Cause.replay, reason: "\(m.verdict.rawValue): \(m.reason)", now: now)
        switch effect {
        case .apply:
            try take(try protection.apply(reply, lane: lane, segment: m.segment), context: context, publisher: publisher)
        case .counted(let failures):
            logger.warning("attempt not verified", metadata: metadata.merging(["reason": "\(m.reason)", "failed_attempts": "\(failures)"]) { $1 })
            try PhaseProfile.shared.measure(.journal) {
                try journal.recordCountedFailure(batch: lane, segment: m.segment, attempt: m.attempt, reason: "\(m.verdict.rawValue): \(m.reason)")
            }
            if m.cause == ReplyManifest.Cause.unauthorizedProducer { throw unauthorizedProducer(verifierID: m.verifierID) }
        case .late(let why):
            try PhaseProfile.shared.measure(.journal) {
                try journal.recordLate(batch: lane, segment: m.segment, attempt: m.attempt, verdict: m.verdict.rawValue)
            }
            logger.info("ignoring a late or duplicate reply", metadata: metadata.merging(["why": "\(why)"]) { $1 })
        }
    }

    // MARK: Telling the user what is wrong

    private func status(warning: String?) -> JobProgress {
        let perBatch = protection.lanesPerBatch
        return JobProgress(done: journal.done.count, failed: journal.failed.count, total: journal.record.batchCount,
                           pending: (scheduler.inFlight + perBatch - 1) / perBatch, redispatched: scheduler.redispatchedCount,
                           warning: warning)
    }

    private func waitingReason() -> String? {
        if let untrustedVerifier { return untrustedVerifier }
        if let idle = consumers.idleQueue { return idle }
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
        let pending = journal.record.batchCount - journal.done.count - journal.failed.count
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

/// How many consumers the job's jobs and results queues have, polled every few seconds so the producer
/// can say that nobody is there to work or to verify.
struct ConsumerCounts {
    var queues: (jobs: [String], results: [String]) = ([], [])
    private var counts: [String: Int] = [:]
    private var checkedAt: TimeInterval = -.infinity

    /// Polls the counts when `interval` has passed; true when it did.
    @discardableResult
    mutating func refreshIfDue(at now: TimeInterval, on connection: AMQPConnection, every interval: TimeInterval = 5) -> Bool {
        guard now - checkedAt >= interval else { return false }
        checkedAt = now
        for queue in queues.jobs + queues.results {
            counts[queue] = try? connection.declareQueuePassive(queue).consumerCount
        }
        return true
    }

    /// Consumers of the job's jobs queue with the fewest (masked mode: the smaller pool), if known.
    var fewestWorkers: Int? {
        let known = queues.jobs.compactMap { counts[$0] }
        return known.count == queues.jobs.count ? known.min() : nil
    }

    /// "no worker is consuming <queue>" for the first queue known to have no consumer.
    var idleQueue: String? {
        if let queue = queues.jobs.first(where: { counts[$0] == 0 }) { return "no worker is consuming \(queue)" }
        if let queue = queues.results.first(where: { counts[$0] == 0 }) { return "no verifier is consuming \(queue)" }
        return nil
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }
}
