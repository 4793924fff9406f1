import SecureNets
import SecureNetsWorker
import Testing

/// The worker's decision about a delivered job, before any compute.
@Suite struct JobPlanTests {
    @Test func aValidJobIsComputedOnItsLayers() throws {
        let tiny = try TinyJob()
        let plan = try JobPlan.plan(body: tiny.job.encode(), maxMessageBytes: 1 << 24,
                                    models: FixedModels([tiny.modelDigest: tiny.session.blindedModel]))
        #expect(plan == .compute(tiny.job, model: tiny.session.blindedModel, layers: 0..<2))
    }

    @Test func undecodableBytesAndForeignLayersAreDeadLettered() throws {
        let tiny = try TinyJob()
        let models = FixedModels([tiny.modelDigest: tiny.session.blindedModel])
        guard case .deadLetter(let reason) = try JobPlan.plan(body: [1, 2, 3], maxMessageBytes: 1 << 24, models: models) else {
            Issue.record("garbage was not dead-lettered")
            return
        }
        #expect(reason.hasPrefix("undecodable job"))
        // A model with one layer only: the job's two layers are not there.
        let oneLayer = try BlindedModel(layers: [tiny.session.blindedModel.layers[0]])
        guard case .deadLetter(let layers) = try JobPlan.plan(body: tiny.job.encode(), maxMessageBytes: 1 << 24,
                                                              models: FixedModels([tiny.modelDigest: oneLayer])) else {
            Issue.record("a job naming missing layers was not dead-lettered")
            return
        }
        #expect(layers.contains("1-layer model"))
    }

    @Test func aModelNotYetReadableReturnsTheJobToTheQueue() throws {
        let tiny = try TinyJob()
        guard case .requeue(let reason) = try JobPlan.plan(body: tiny.job.encode(), maxMessageBytes: 1 << 24, models: FixedModels([:])) else {
            Issue.record("a job whose model is missing was not requeued")
            return
        }
        #expect(reason.contains("not on the stream"))
    }

    @Test func anOversizedJobIsDeadLetteredNotAllocated() throws {
        let tiny = try TinyJob()
        guard case .deadLetter(let reason) = try JobPlan.plan(body: tiny.job.encode(), maxMessageBytes: 64, models: FixedModels([:])) else {
            Issue.record("a frame over the limit was accepted")
            return
        }
        #expect(reason.contains("undecodable job"))
    }
}

/// A masked-mode worker's decision: it computes only its own pool's jobs, against a masked model.
@Suite struct MaskedJobPlanTests {
    @Test(arguments: MaskedPool.allCases)
    func aPoolWorkerComputesItsOwnPoolsJob(_ pool: MaskedPool) throws {
        let tiny = try TinyMaskedJob(layer: 1)
        let plan = try JobPlan.plan(body: tiny.job(pool).encode(), maxMessageBytes: 1 << 24,
                                    models: FixedModels(published: [tiny.modelDigest: tiny.published]), pool: pool)
        #expect(plan == .computeMasked(tiny.job(pool), weights: tiny.model.quantized.layers[1].weights))
    }

    @Test(arguments: MaskedPool.allCases)
    func theOtherPoolsJobIsDeadLetteredNotComputed(_ pool: MaskedPool) throws {
        let tiny = try TinyMaskedJob()
        let other: MaskedPool = pool == .data ? .mask : .data
        let plan = try JobPlan.plan(body: tiny.job(other).encode(), maxMessageBytes: 1 << 24,
                                    models: FixedModels(published: [tiny.modelDigest: tiny.published]), pool: pool)
        guard case .deadLetter(let reason) = plan else { Issue.record("\(plan)"); return }
        #expect(reason.contains("\(other)-pool job reached a \(pool)-pool worker"))
    }

    @Test func modesDoNotMix() throws {
        let masked = try TinyMaskedJob(), blinded = try TinyJob()
        let models = FixedModels(published: [masked.modelDigest: .blinded(blinded.session.blindedModel),
                                             blinded.modelDigest: masked.published])
        // A blinded-mode worker cannot decode a masked job; a pool worker cannot decode a blinded one.
        guard case .deadLetter = try JobPlan.plan(body: masked.dataJob.encode(), maxMessageBytes: 1 << 24, models: models),
              case .deadLetter = try JobPlan.plan(body: blinded.job.encode(), maxMessageBytes: 1 << 24, models: models, pool: .data) else {
            Issue.record("a job of the other mode was not dead-lettered")
            return
        }
        // A masked job naming a blinded model (or the reverse) is refused.
        guard case .deadLetter(let reason) = try JobPlan.plan(body: masked.dataJob.encode(), maxMessageBytes: 1 << 24, models: models,
                                                              pool: .data) else {
            Issue.record("a masked job with a blinded model was computed")
            return
        }
        #expect(reason.contains("blinded model"))
    }

    @Test func aMaskJobWhoseResultCannotFitIsDeadLettered() throws {
        let tiny = try TinyMaskedJob()
        // A small job (a seed) that asks for a large product: 1000 × 6 residues, 24 kB, over a 10 kB limit.
        var manifest = tiny.maskJob.manifest
        manifest.rows = 1000
        let job = try MaskedJobMessage(manifest: manifest, maskedInput: nil, signedBy: TinyJob.producer)
        let plan = try JobPlan.plan(body: job.encode(), maxMessageBytes: 10_000,
                                    models: FixedModels(published: [tiny.modelDigest: tiny.published]), pool: .mask)
        guard case .deadLetter(let reason) = plan else { Issue.record("\(plan)"); return }
        #expect(reason.contains("message limit"))
    }
}
