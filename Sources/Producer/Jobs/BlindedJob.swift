import Foundation
import SecureNets
import SecureNetsMessaging

/// Blinded mode's part of a job (monomial blinding, docs/SECURITY.md for what it does not hide): one
/// lane per batch, whose segments are chains of layers between producer-side activations. Every key
/// derives from the journaled seed, so every attempt of a segment carries the same blinded input.
final class BlindedJob: JobProtection {
    let journal: JobJournal
    let input: RowSource
    let identity: SigningIdentity
    let session: BlindingSession
    /// Batch keys of dispatched segments awaiting their reply, so a reply is unblinded without deriving
    /// its key again (16 bytes per row). After a restart keys are re-derived from the journaled seed.
    private var pendingBatchKeys: [BatchSegment: MonomialMatrix] = [:]

    private struct BatchSegment: Hashable {
        let batch: Int
        let segment: Int
    }

    init(journal: JobJournal, network: Network, input: RowSource, identity: SigningIdentity) {
        self.journal = journal
        self.input = input
        self.identity = identity
        var modelRNG = KeyStream(seed: journal.record.seedBytes, label: "model keys")
        let plan = SegmentPlan(network: network, mode: journal.record.mode)
        session = BlindingSession(network: network, plan: plan,
                                  keys: ModelKeys.generate(for: network, plan: plan, using: &modelRNG))
    }

    var lanesPerBatch: Int { 1 }
    var queues: (jobs: [String], results: [String]) { ([SecureNetsTopology.jobsQueue], [SecureNetsTopology.resultsQueue]) }

    func modelBytes() -> [UInt8] { ModelCodec.encode(session.blindedModel) }

    func lane(of reply: ReplyManifest) -> Int? { reply.pool == nil ? reply.batch : nil }

    private func batchKeyStream(batch: Int, segment: Int) -> KeyStream {
        KeyStream(seed: journal.record.seedBytes, label: "batch \(batch) segment \(segment)")
    }

    func outgoing(lane batch: Int, segment: Int, attempt: Int, context: JobRunner.PublishContext) throws -> OutgoingJob {
        let profile = PhaseProfile.shared
        let activations = segment == 0 ? try profile.measure(.input) { try input.rows(journal.record.rows(ofBatch: batch)) }
                                       : try profile.measure(.journal) { try journal.segmentInput(batch: batch, segment: segment) }
        var rng = batchKeyStream(batch: batch, segment: segment)
        let (blinded, batchKey) = try profile.measure(.protect) { try session.blindInput(activations, segment: segment, using: &rng) }
        let inputDigest = profile.measure(.hashing) { Digest.tensor(blinded) }
        let layers = session.plan.segments[segment]
        let job = try profile.measure(.signing) { () throws -> JobMessage in
            let manifest = JobManifest(
            jobID: context.jobID, batch: batch, segment: segment, attempt: attempt, segmentCount: session.plan.segments.count,
            firstLayer: layers.lowerBound, layerCount: layers.count, modelDigest: context.modelDigest,
            modelPublishedAtMs: context.publishedAtMs, precision: journal.record.precision, rows: blinded.rows,
            inputColumns: blinded.columns, inputSHA256: inputDigest, replyQueue: context.replyQueue,
            producerKey: identity.publicKey.fingerprint, issuedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
            return try JobMessage(manifest: manifest, input: blinded, signedBy: identity)
        }
        pendingBatchKeys[BatchSegment(batch: batch, segment: segment)] = batchKey
        return OutgoingJob(body: profile.measure(.publishing) { job.encode() }, routingKey: SecureNetsTopology.jobsRoutingKey,
                           manifestSHA256: profile.measure(.signing) { job.manifestSHA256 })
    }

    func apply(_ reply: ReplyMessage, lane batch: Int, segment: Int) throws -> [LaneStep] {
        guard let output = reply.output else { return [] }
        let profile = PhaseProfile.shared
        let next = try profile.measure(.unprotect) { () throws -> Matrix in
            let batchKey = pendingBatchKeys.removeValue(forKey: BatchSegment(batch: batch, segment: segment)) ?? {
                var rng = batchKeyStream(batch: batch, segment: segment)
                return session.batchKey(rows: journal.record.rows(ofBatch: batch).count, segment: segment, using: &rng)
            }()
            return try session.finishSegment(output, segment: segment, batchKey: batchKey)
        }
        if segment + 1 < session.plan.segments.count {
            try profile.measure(.journal) { try journal.recordSegmentInput(batch: batch, segment: segment + 1, input: next) }
            return [.next(lane: batch, segment: segment + 1)]
        }
        try profile.measure(.journal) { try journal.recordDone(batch: batch, output: next) }
        return [.done(lane: batch)]
    }

    func restore(into scheduler: inout DispatchScheduler) throws -> [LaneStep] { [] }

    /// A failed batch's keys are no longer needed.
    func forget(batch: Int) { pendingBatchKeys = pendingBatchKeys.filter { $0.key.batch != batch } }
}
