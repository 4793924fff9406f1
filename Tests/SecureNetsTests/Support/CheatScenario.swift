import Foundation
@testable import SecureNets

/// A network blinded for one key epoch, one of its segments and the producer who signs its jobs:
/// what the campaign needs to make jobs as `securenets submit` does and results as workers do.
///
/// Weights, inputs and keys come from the caller's seeded generator, so a scenario is reproducible;
/// only the verifier's random vectors come from the system CSPRNG, as in production.
struct CheatScenario {
    let id: Int
    let session: BlindingSession
    let segment: Int
    /// SHA-256 of the blinded model's `ModelCodec` bytes: what a job manifest names.
    let modelDigest: String
    let producer: SigningIdentity

    /// `widths` are the plaintext layer widths, inputs first ([n₀, n₁, …, n_L]); `activations` has
    /// one entry per layer. `segment` picks one of the plan's segments, or a random one when nil.
    init<G: RandomNumberGenerator>(id: Int, widths: [Int], activations: [Activation], mode: ChainingMode,
                                   segment: Int? = nil, weights profile: ValueProfile, producer: SigningIdentity,
                                   using rng: inout G) throws {
        precondition(widths.count == activations.count + 1, "one activation per layer")
        let layers = activations.indices.map { index in
            DenseLayer(weights: profile.matrix(rows: widths[index], columns: widths[index + 1], using: &rng),
                       bias: profile.matrix(rows: 1, columns: widths[index + 1], using: &rng).elements,
                       activation: activations[index], name: "fc\(index + 1)")
        }
        let network = try Network(layers: layers)
        let plan = SegmentPlan(network: network, mode: mode)
        let keys = ModelKeys.generate(for: network, plan: plan, using: &rng)
        self.id = id
        self.session = BlindingSession(network: network, plan: plan, keys: keys)
        self.segment = segment ?? Int.random(in: plan.segments.indices, using: &rng)
        self.modelDigest = Digest.sha256Hex(ModelCodec.encode(session.blindedModel))
        self.producer = producer
    }

    var model: BlindedModel { session.blindedModel }
    var layerRange: Range<Int> { session.plan.segments[segment] }
    /// The blinded layers a worker computes for this scenario's segment.
    var layers: ArraySlice<BlindedLayer> { model.layers[layerRange] }

    /// A signed job for a fresh plaintext batch of `rows` samples drawn with `profile`, blinded with
    /// a fresh batch key, exactly as a worker receives it from the wire.
    func job<G: RandomNumberGenerator>(batch: Int, rows: Int, precision: Precision, inputs profile: ValueProfile,
                                       using rng: inout G) throws -> JobMessage {
        let features = session.network.layers[layerRange.lowerBound].inputCount
        let plaintext = profile.matrix(rows: rows, columns: features, using: &rng)
        let (blinded, _) = try session.blindInput(plaintext, segment: segment, using: &rng)
        let manifest = JobManifest(
            jobID: "campaign-\(id)", batch: batch, segment: segment, segmentCount: session.plan.segments.count,
            firstLayer: layerRange.lowerBound, layerCount: layerRange.count, modelDigest: modelDigest,
            modelPublishedAtMs: 0, precision: precision, rows: rows, inputColumns: blinded.columns,
            inputSHA256: Digest.tensor(blinded), replyQueue: "securenets.reply.campaign-\(id)",
            producerKey: producer.publicKey.fingerprint, issuedAtMs: 0)
        let signed = try JobMessage(manifest: manifest, attempt: 1, input: blinded, signedBy: producer)
        return try JobMessage.decode(signed.encode())
    }

    /// What an honest worker returns for `job`.
    func honestOutputs(for job: JobMessage) throws -> [Matrix] {
        try BlindedForward.run(input: job.input, layers: layers, precision: job.manifest.precision)
    }
}
