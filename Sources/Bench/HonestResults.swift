import Foundation
import SecureNets

/// What a fleet of honest workers would send the verifier for one (shape, privacy mode), computed once
/// in this process: the model the producer publishes, and for any batch number the signed result
/// frames of that batch — so the capacity bench can feed a real verifier at broker speed, no workers.
///
/// Every batch carries the same numbers (one blinded input and its outputs; one masked input per layer
/// and both pools' products), under a manifest signed for that batch number: to the verifier each is a
/// new, genuine attempt that it must authenticate, check, record and answer in full.
struct HonestResults {
    let privacy: PrivacyMode
    let rows: Int
    let layerCount: Int
    /// The model as published on the stream (`ModelCodec` or `MaskedModelCodec`).
    let modelBytes: [UInt8]
    private let content: Content

    private enum Content {
        case blinded(session: BlindingSession, input: Matrix, outputs: [Matrix])
        case masked(MaskedComputeWorkload)
    }

    /// Where the results say they come from: the job, its reply queue, the published model, the signer.
    struct Context {
        let jobID: String
        let replyQueue: String
        let modelDigest: String
        let modelPublishedAtMs: Int64
        let identity: SigningIdentity
    }

    /// One result frame, and the routing key a worker of its pool publishes it with.
    struct Frame {
        let body: [UInt8]
        let pool: MaskedPool?
    }

    init(shape: BenchShape, network: Network, privacy: PrivacyMode, rows: Int, seed: UInt64) throws {
        self.privacy = privacy
        self.rows = rows
        layerCount = network.layers.count
        let input = shape.randomInput(rows: rows, seed: seed)
        switch privacy {
        case .blinded:
            let session = BlindingSession(network: network, mode: .chained)
            precondition(session.plan.segments.count == 1, "the benchmark network is one chained segment")
            var keys = KeyStream(seed: [UInt8](repeating: 0x5E, count: 32), label: "batch 0 segment 0")
            let (blinded, _) = try session.blindInput(input, segment: 0, using: &keys)
            let outputs = try BlindedForward.run(input: blinded, layers: session.blindedModel.layers[0...], precision: .exact)
            modelBytes = ModelCodec.encode(session.blindedModel)
            content = .blinded(session: session, input: blinded, outputs: outputs)
        case .masked:
            let workload = try MaskedComputeWorkload(network: network, input: input)
            modelBytes = MaskedModelCodec.encode(workload.model.quantized)
            content = .masked(workload)
        }
    }

    /// Results the verifier receives per batch: one (blinded, the whole chained segment) or one per
    /// layer and pool (masked).
    var resultsPerBatch: Int { privacy == .blinded ? 1 : 2 * layerCount }

    /// The `index`-th result (0 ..< `resultsPerBatch`) of batch `batch`; masked results alternate
    /// data and mask pool, layer by layer.
    func result(batch: Int, index: Int, context: Context) throws -> Frame {
        let issuedAt = Int64(Date().timeIntervalSince1970 * 1000)
        switch content {
        case let .blinded(session, input, outputs):
            let job = try blindedJob(batch: batch, session: session, input: input, context: context, issuedAt: issuedAt)
            return Frame(body: ResultMessage(job: job, outputs: outputs, workerID: "capacity-bench", computeMs: 1).encode(),
                         pool: nil)
        case let .masked(workload):
            let (layer, pool) = (index / 2, index % 2 == 0 ? MaskedPool.data : .mask)
            let job = try maskedJob(batch: batch, layer: layer, pool: pool, workload: workload, context: context, issuedAt: issuedAt)
            let product = pool == .data ? workload.dataProducts[layer] : workload.maskProducts[layer]
            return Frame(body: MaskedResultMessage(job: job, product: product, workerID: "capacity-bench", computeMs: 1).encode(),
                         pool: pool)
        }
    }

    /// The sizes of the job frames of one batch, as the producer publishes them (the broker carries
    /// them too).
    func jobBytesPerBatch(context: Context) throws -> [Int] {
        switch content {
        case let .blinded(session, input, _):
            return [try blindedJob(batch: 0, session: session, input: input, context: context, issuedAt: 0).encode().count]
        case let .masked(workload):
            return try (0..<layerCount).flatMap { layer in
                try MaskedPool.allCases.map { pool in
                    try maskedJob(batch: 0, layer: layer, pool: pool, workload: workload, context: context, issuedAt: 0).encode().count
                }
            }
        }
    }

    /// What one worker core computes per batch, for `WorkerThroughput`: the whole chained segment
    /// (blinded, `exact`), or every layer's product of `pool` (masked; the mask pool expands R too).
    func workerCompute(pool: MaskedPool?) -> () throws -> Void {
        switch content {
        case let .blinded(session, input, _):
            return { _ = try BlindedForward.run(input: input, layers: session.blindedModel.layers[0...], precision: .exact) }
        case let .masked(workload):
            return pool == .mask ? { _ = try workload.maskPool() } : { _ = try workload.dataPool() }
        }
    }

    private func blindedJob(batch: Int, session: BlindingSession, input: Matrix, context: Context,
                            issuedAt: Int64) throws -> JobMessage {
        let manifest = JobManifest(
            jobID: context.jobID, batch: batch, segment: 0, attempt: 1, segmentCount: 1, firstLayer: 0,
            layerCount: layerCount, modelDigest: context.modelDigest, modelPublishedAtMs: context.modelPublishedAtMs,
            precision: .exact, rows: input.rows, inputColumns: input.columns, inputSHA256: Digest.tensor(input),
            replyQueue: context.replyQueue, producerKey: context.identity.publicKey.fingerprint, issuedAtMs: issuedAt)
        return try JobMessage(manifest: manifest, input: input, signedBy: context.identity)
    }

    private func maskedJob(batch: Int, layer: Int, pool: MaskedPool, workload: MaskedComputeWorkload, context: Context,
                           issuedAt: Int64) throws -> MaskedJobMessage {
        let request = workload.requests[layer], maskedLayer = workload.model.layers[layer]
        let maskedInput = pool == .data ? request.maskedInput : nil
        let manifest = MaskedJobManifest(
            pool: pool, jobID: context.jobID, batch: batch, layer: layer, attempt: 1, layerCount: layerCount,
            bitWidths: maskedLayer.bitWidths, modelDigest: context.modelDigest, modelPublishedAtMs: context.modelPublishedAtMs,
            rows: rows, inputColumns: maskedLayer.inputCount, outputColumns: maskedLayer.outputCount,
            inputSHA256: maskedInput.map(ResidueCoding.digest), maskSeed: pool == .mask ? request.seed : nil,
            replyQueue: context.replyQueue, producerKey: context.identity.publicKey.fingerprint, issuedAtMs: issuedAt)
        return try MaskedJobMessage(manifest: manifest, maskedInput: maskedInput, signedBy: context.identity)
    }
}
