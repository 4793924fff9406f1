import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// Drives one job to completion through the broker: publishes the blinded model once and every batch
/// segment not yet published, unblinds each verified reply, re-blinds the next segment, and records
/// every step in the journal before acking the reply that caused it. `submit` and `collect` both run it.
final class JobRunner {
    let journal: JobJournal
    let network: Network
    let input: Matrix
    let session: BlindingSession
    let identity: SigningIdentity
    let verifierKeys: [TrustedKey]
    let amqpURL: AMQPURL
    let logger: Logger
    let progress: ProgressReporter
    let timeout: TimeInterval?
    /// Batch keys of published segments awaiting their reply, so a reply is unblinded without deriving
    /// its key again (16 bytes per row). After a restart the cache is empty and keys are re-derived
    /// from the journaled seed, which gives the same keys.
    private var pendingBatchKeys: [BatchSegment: MonomialMatrix] = [:]

    private struct BatchSegment: Hashable {
        let batch: Int
        let segment: Int
    }

    init(journal: JobJournal, network: Network, input: Matrix, identity: SigningIdentity, verifierKeys: [TrustedKey],
         amqpURL: AMQPURL, logger: Logger, progress: ProgressReporter, timeout: TimeInterval?) {
        self.journal = journal
        self.network = network
        self.input = input
        self.identity = identity
        self.verifierKeys = verifierKeys
        self.amqpURL = amqpURL
        self.logger = logger
        self.progress = progress
        self.timeout = timeout
        var modelRNG = KeyStream(seed: journal.record.seedBytes, label: "model keys")
        let plan = SegmentPlan(network: network, mode: journal.record.mode)
        session = BlindingSession(network: network, plan: plan,
                                  keys: ModelKeys.generate(for: network, plan: plan, using: &modelRNG))
    }

    var jobID: String { journal.record.jobID }
    var replyQueue: String { SecureNetsTopology.replyQueue(forJob: jobID) }

    /// Runs until every batch is verified or finally failed. Returns the failed batches.
    ///
    /// A lost broker connection is retried with capped exponential backoff: every step is journaled,
    /// published messages are persisted by the broker before their confirm, and an unacked reply is
    /// redelivered, so resuming is always safe.
    func run() throws -> [Int: String] {
        var failures = 0
        while true {
            do {
                return try runConnected()
            } catch let error as AMQPError {
                failures += 1
                guard failures <= 30 else { throw error }
                let delay = min(15, 0.5 * pow(2, Double(min(failures, 5)))) * Double.random(in: 0.8...1.2)
                logger.warning("broker connection lost, reconnecting in \(String(format: "%.1f", delay)) s (attempt \(failures)): \(error)")
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    private func runConnected() throws -> [Int: String] {
        let consumer = try AMQPConnection(url: amqpURL, connectionName: "securenets producer \(jobID) consume", maxBodyBytes: 128 << 20, logger: logger)
        defer { consumer.close() }
        let publisher = try AMQPConnection(url: amqpURL, connectionName: "securenets producer \(jobID) publish", maxBodyBytes: 128 << 20, logger: logger)
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

        for batch in 0..<journal.record.batchCount
        where !journal.done.contains(batch) && journal.failed[batch] == nil && journal.published[batch] == nil {
            let rows = input.selectingRows(journal.record.rows(ofBatch: batch))
            try publishSegment(batch: batch, segment: 0, activations: rows, context: context, publisher: publisher)
        }
        progress.update(done: journal.done.count, failed: journal.failed.count, total: journal.record.batchCount)

        try consumer.setPrefetch(count: 16)
        _ = try consumer.consume(queue: replyQueue, arguments: [:])
        var lastProgress = Date()
        while !journal.isComplete {
            guard let delivery = try consumer.nextDelivery(timeout: .seconds(1)) else {
                if let timeout, Date().timeIntervalSince(lastProgress) > timeout {
                    throw JournalError("no reply for \(Int(timeout)) s; \(journal.record.batchCount - journal.done.count - journal.failed.count) batch(es) pending. Finish later with: securenets collect \(jobID)")
                }
                continue
            }
            lastProgress = Date()
            try handle(delivery.body, context: context, publisher: publisher)
            try consumer.ack(deliveryTag: delivery.deliveryTag)
            progress.update(done: journal.done.count, failed: journal.failed.count, total: journal.record.batchCount)
        }
        progress.finish()
        return journal.failed
    }

    struct PublishContext {
        let modelDigest: String
        let publishedAtMs: Int64
    }

    private func batchKeyStream(batch: Int, segment: Int) -> KeyStream {
        KeyStream(seed: journal.record.seedBytes, label: "batch \(batch) segment \(segment)")
    }

    /// Blinds and publishes one batch segment (attempt 1). Deterministic: publishing it again after a
    /// crash produces the same bytes, so duplicates are harmless.
    private func publishSegment(batch: Int, segment: Int, activations: Matrix, context: PublishContext,
                                publisher: AMQPConnection) throws {
        var rng = batchKeyStream(batch: batch, segment: segment)
        let (blinded, batchKey) = try session.blindInput(activations, segment: segment, using: &rng)
        let layers = session.plan.segments[segment]
        let manifest = JobManifest(
            jobID: jobID, batch: batch, segment: segment, segmentCount: session.plan.segments.count,
            firstLayer: layers.lowerBound, layerCount: layers.count, modelDigest: context.modelDigest,
            modelPublishedAtMs: context.publishedAtMs, precision: journal.record.precision, rows: blinded.rows,
            inputColumns: blinded.columns, inputSHA256: Digest.tensor(blinded), replyQueue: replyQueue,
            producerKey: identity.publicKey.fingerprint, issuedAtMs: 0)
        let job = try JobMessage(manifest: manifest, attempt: 1, input: blinded, signedBy: identity)
        try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.jobsRoutingKey,
                              body: job.encode(), properties: AMQPMessageProperties(headers: [:]), mandatory: true)
        try journal.recordPublished(batch: batch, segment: segment)
        pendingBatchKeys[BatchSegment(batch: batch, segment: segment)] = batchKey
    }

    private func handle(_ body: [UInt8], context: PublishContext, publisher: AMQPConnection) throws {
        let reply: ReplyMessage
        do {
            reply = try ReplyMessage.decode(body, trusting: verifierKeys)
        } catch {
            logger.warning("ignoring a reply that is not a valid signed verifier reply: \(error)")
            return
        }
        let m = reply.manifest
        guard m.jobID == jobID, m.batch >= 0, m.batch < journal.record.batchCount,
              m.segment >= 0, m.segment < session.plan.segments.count else {
            logger.warning("ignoring a reply for another job or batch", metadata: ["job": "\(m.jobID)", "batch": "\(m.batch)"])
            return
        }
        guard !journal.done.contains(m.batch), journal.failed[m.batch] == nil,
              m.segment == journal.published[m.batch] else {
            logger.debug("ignoring a duplicate reply", metadata: ["batch": "\(m.batch)", "segment": "\(m.segment)"])
            return
        }
        switch m.verdict {
        case .passed:
            guard let output = reply.output else { return }
            let batchKey = pendingBatchKeys.removeValue(forKey: BatchSegment(batch: m.batch, segment: m.segment)) ?? {
                var rng = batchKeyStream(batch: m.batch, segment: m.segment)
                return session.batchKey(rows: journal.record.rows(ofBatch: m.batch).count, segment: m.segment, using: &rng)
            }()
            let next = try session.finishSegment(output, segment: m.segment, batchKey: batchKey)
            if m.segment + 1 < session.plan.segments.count {
                try publishSegment(batch: m.batch, segment: m.segment + 1, activations: next, context: context, publisher: publisher)
            } else {
                try journal.recordDone(batch: m.batch, output: next)
            }
        case .failed, .rejected:
            pendingBatchKeys[BatchSegment(batch: m.batch, segment: m.segment)] = nil
            logger.error("batch \(m.batch) could not be verified: \(m.reason)")
            try journal.recordFailed(batch: m.batch, reason: m.reason)
        }
    }
}
