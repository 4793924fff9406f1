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
