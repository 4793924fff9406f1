import Foundation
import SecureNets
import SecureNetsMessaging

/// Masked mode's part of a job (docs/MASKED.md): every layer of every batch is a round trip. The
/// producer quantizes and masks the layer's input, the data pool multiplies X̂ = X_q + R and the mask
/// pool R (from its seed) by W_q, the verifier checks both products exactly, and once both have passed
/// the producer unmasks, dequantizes, adds the bias and applies the activation.
///
/// Lanes: 2·batch (data pool) and 2·batch + 1 (mask pool). The seed of R for a batch layer derives
/// from the job's journaled secret seed, so every attempt of either pool carries the same R (and the
/// same X̂) and a resumed job needs nothing else to dispatch again. A pool's verified product is stored
/// before its reply is acked and kept until the other pool's arrives.
final class MaskedJob: JobProtection {
    let journal: JobJournal
    let input: RowSource
    let identity: SigningIdentity
    let model: MaskedModel
    private let quantized: QuantizedModel
    /// Verified products awaiting their partner, by (batch, layer, pool); the journal holds them too.
    private var products: [ProductKey: ResidueMatrix] = [:]

    private struct ProductKey: Hashable {
        let batch: Int
        let layer: Int
        let pool: MaskedPool
    }

    /// Throws `MaskedModeError` for a layer that does not fit masked mode.
    init(journal: JobJournal, network: Network, input: RowSource, identity: SigningIdentity) throws {
        self.journal = journal
        self.input = input
        self.identity = identity
        model = try MaskedModel(network: network)
        quantized = model.quantized
    }

    var lanesPerBatch: Int { 2 }
    var queues: (jobs: [String], results: [String]) {
        (SecureNetsTopology.pools.map { SecureNetsTopology.jobsQueue(pool: $0) },
         SecureNetsTopology.pools.map { SecureNetsTopology.resultsQueue(pool: $0) })
    }

    static func lane(batch: Int, pool: MaskedPool) -> Int { 2 * batch + (pool == .data ? 0 : 1) }
    static func batchAndPool(ofLane lane: Int) -> (batch: Int, pool: MaskedPool) { (lane / 2, lane % 2 == 0 ? .data : .mask) }

    func modelBytes() -> [UInt8] { MaskedModelCodec.encode(quantized) }

    func lane(of reply: ReplyManifest) -> Int? {
        guard let pool = reply.pool, reply.batch >= 0, reply.batch < Int.max / 2 else { return nil }
        return Self.lane(batch: reply.batch, pool: pool)
    }

    /// R's seed for one batch layer, from the job's secret seed.
    func seed(batch: Int, layer: Int) -> MaskSeed {
        var stream = KeyStream(seed: journal.record.seedBytes, label: "mask batch \(batch) layer \(layer)")
        let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: stream.next().littleEndian) { Array($0) } }
        return try! MaskSeed(bytes: bytes)  // 4 × 8 = 32 bytes
    }

    private func activations(batch: Int, layer: Int) throws -> Matrix {
        let profile = PhaseProfile.shared
        return layer == 0 ? try profile.measure(.input) { try input.rows(journal.record.rows(ofBatch: batch)) }
                          : try profile.measure(.journal) { try journal.segmentInput(batch: batch, segment: layer) }
    }

    func outgoing(lane: Int, segment layer: Int, attempt: Int, context: JobRunner.PublishContext) throws -> OutgoingJob {
        let (batch, pool) = Self.batchAndPool(ofLane: lane)
        let maskedLayer = model.layers[layer]
        let rows = journal.record.rows(ofBatch: batch).count
        let seed = seed(batch: batch, layer: layer)
        let profile = PhaseProfile.shared
        let activations = pool == .data ? try activations(batch: batch, layer: layer) : nil
        let maskedInput = try activations.map { activations in
            try profile.measure(.protect) { try LayerMasking.mask(activations, for: maskedLayer, seed: seed).maskedInput }
        }
        let inputDigest = maskedInput.map { maskedInput in profile.measure(.hashing) { ResidueCoding.digest(maskedInput) } }
        let job = try profile.measure(.signing) { () throws -> MaskedJobMessage in
            let manifest = MaskedJobManifest(
            pool: pool, jobID: context.jobID, batch: batch, layer: layer, attempt: attempt, layerCount: model.layers.count,
            bitWidths: maskedLayer.bitWidths, modelDigest: context.modelDigest, modelPublishedAtMs: context.publishedAtMs,
            rows: rows, inputColumns: maskedLayer.inputCount, outputColumns: maskedLayer.outputCount,
            inputSHA256: inputDigest, maskSeed: pool == .mask ? seed : nil,
            replyQueue: context.replyQueue, producerKey: identity.publicKey.fingerprint,
            issuedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
            return try MaskedJobMessage(manifest: manifest, maskedInput: maskedInput, signedBy: identity)
        }
        return OutgoingJob(body: profile.measure(.publishing) { job.encode() },
                           routingKey: SecureNetsTopology.jobsRoutingKey(pool: pool.rawValue),
                           manifestSHA256: profile.measure(.signing) { job.manifestSHA256 })
    }

    func apply(_ reply: ReplyMessage, lane: Int, segment layer: Int) throws -> [LaneStep] {
        let (batch, pool) = Self.batchAndPool(ofLane: lane)
        guard let product = reply.product, layer < model.layers.count else { return [] }
        try PhaseProfile.shared.measure(.journal) { try journal.recordProduct(batch: batch, layer: layer, pool: pool, product: product) }
        products[ProductKey(batch: batch, layer: layer, pool: pool)] = product
        return try combineIfComplete(batch: batch, layer: layer)
    }

    /// Once both pools' products of `layer` are verified: the layer's output, journaled as the next
    /// layer's input or the batch's result, and both lanes move on.
    private func combineIfComplete(batch: Int, layer: Int) throws -> [LaneStep] {
        let profile = PhaseProfile.shared
        func stored(_ pool: MaskedPool) -> ResidueMatrix? {
            products[ProductKey(batch: batch, layer: layer, pool: pool)]
                ?? profile.measure(.journal) { journal.product(batch: batch, layer: layer, pool: pool) }
        }
        guard let data = stored(.data), let mask = stored(.mask) else { return [] }
        let maskedLayer = model.layers[layer]
        let input = try activations(batch: batch, layer: layer)
        var z = try profile.measure(.unprotect) { () throws -> Matrix in
            var z = try LayerMasking.unmask(data: data, mask: mask, for: maskedLayer,
                                            inputScales: try LayerMasking.inputScales(of: input, for: maskedLayer))
            maskedLayer.activation.apply(to: &z)
            return z
        }
        for pool in MaskedPool.allCases { products.removeValue(forKey: ProductKey(batch: batch, layer: layer, pool: pool)) }
        let lanes = MaskedPool.allCases.map { Self.lane(batch: batch, pool: $0) }
        if layer + 1 < model.layers.count {
            try profile.measure(.journal) { try journal.recordSegmentInput(batch: batch, segment: layer + 1, input: z) }
            return lanes.map { .next(lane: $0, segment: layer + 1) }
        }
        profile.measure(.unprotect) { model.outputNormalization.apply(to: &z) }
        try profile.measure(.journal) {
            try journal.recordDone(batch: batch, output: z)
            journal.removeProducts(batch: batch, layers: model.layers.count)
        }
        return lanes.map { .done(lane: $0) }
    }

    /// Brings both lanes of every unfinished batch to the same layer (one may have moved on just before
    /// a crash), marks the lanes whose product of that layer is stored as verified, and combines at once
    /// where both are.
    func restore(into scheduler: inout DispatchScheduler) throws -> [LaneStep] {
        var steps: [LaneStep] = []
        // A batch finished just before a crash may still have its products on disk: they are no longer needed.
        for batch in journal.done.union(journal.failed.keys) { journal.removeProducts(batch: batch, layers: model.layers.count) }
        for batch in 0..<journal.record.batchCount where !journal.done.contains(batch) && journal.failed[batch] == nil {
            let lanes = MaskedPool.allCases.map { Self.lane(batch: batch, pool: $0) }
            let layer = lanes.map { scheduler.status(ofBatch: $0).segment }.max() ?? 0
            for (lane, pool) in zip(lanes, MaskedPool.allCases) {
                scheduler.restoreSegment(batch: lane, segment: layer)
                if journal.product(batch: batch, layer: layer, pool: pool) != nil {
                    scheduler.restoreApplied(batch: lane, segment: layer)
                }
            }
            steps += try combineIfComplete(batch: batch, layer: layer)
        }
        return steps
    }

    func forget(batch: Int) {
        products = products.filter { $0.key.batch != batch }
        journal.removeProducts(batch: batch, layers: model.layers.count)
    }
}
