import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// What a worker does with one delivered job, decided before any compute: a pure function of the bytes,
/// the worker's pool and the model lookup, so every case is unit-tested without a broker.
public enum JobPlan: Equatable {
    /// Blinded mode: compute `layers` of `model` on the job's input and publish the result.
    case compute(JobMessage, model: BlindedModel, layers: Range<Int>)
    /// Masked mode: multiply the job's operand (X̂, or R from its seed) by `weights` mod p.
    case computeMasked(MaskedJobMessage, weights: QuantizedWeights)
    /// The job can never be computed (undecodable, for another pool, or layers the model does not
    /// have): park it in the dead-letter queue with the reason, and ack it.
    case deadLetter(reason: String)
    /// The job is fine but cannot be computed now (its model is not readable yet): return it to the queue.
    case requeue(reason: String)

    /// Decides the plan for a worker of `pool` (nil: a blinded-mode worker). Throws only `AMQPError`
    /// from `models` (the broker went away: reconnect).
    public static func plan(body: [UInt8], maxMessageBytes: Int, models: ModelSource, pool: MaskedPool? = nil) throws -> JobPlan {
        let limits = FrameLimits(maxFrameBytes: maxMessageBytes)
        guard let pool else { return try planBlinded(body: body, limits: limits, models: models) }
        let job: MaskedJobMessage
        do {
            job = try MaskedJobMessage.decode(body, limits: limits)
        } catch {
            return .deadLetter(reason: "undecodable masked job: \(error)")
        }
        let resultBytes = 4 * job.manifest.rows * (job.manifest.outputColumns + (pool == .data ? job.manifest.inputColumns : 0))
        guard resultBytes < maxMessageBytes else {
            return .deadLetter(reason: "masked job's result (\(resultBytes) bytes) would exceed the \(maxMessageBytes)-byte message limit")
        }
        guard job.manifest.pool == pool else {
            return .deadLetter(reason: "a \(job.manifest.pool)-pool job reached a \(pool)-pool worker")
        }
        let model: QuantizedModel
        switch try load(job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs, models: models) {
        case .model(.masked(let quantized)): model = quantized
        case .model(.blinded): return .deadLetter(reason: "masked job names a blinded model")
        case .unavailable(let reason): return .requeue(reason: reason)
        }
        let m = job.manifest
        guard m.layerCount == model.layers.count, m.layer < model.layers.count,
              model.layers[m.layer].weights.rows == m.inputColumns, model.layers[m.layer].weights.columns == m.outputColumns else {
            return .deadLetter(reason: "masked job names layer \(m.layer) (\(m.inputColumns)×\(m.outputColumns)) of a \(model.layers.count)-layer model that does not have it")
        }
        return .computeMasked(job, weights: model.layers[m.layer].weights)
    }

    private static func planBlinded(body: [UInt8], limits: FrameLimits, models: ModelSource) throws -> JobPlan {
        let job: JobMessage
        do {
            job = try JobMessage.decode(body, limits: limits)
        } catch {
            return .deadLetter(reason: "undecodable job: \(error)")
        }
        let model: BlindedModel
        switch try load(job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs, models: models) {
        case .model(.blinded(let blinded)): model = blinded
        case .model(.masked): return .deadLetter(reason: "blinded job names a masked model")
        case .unavailable(let reason): return .requeue(reason: reason)
        }
        let layers = job.manifest.firstLayer..<(job.manifest.firstLayer + job.manifest.layerCount)
        guard layers.upperBound <= model.layers.count else {
            return .deadLetter(reason: "job names layers \(layers) of a \(model.layers.count)-layer model")
        }
        guard job.input.columns == model.inputWidth(ofLayer: layers.lowerBound) else {
            return .deadLetter(reason: "job input has \(job.input.columns) columns, layer \(layers.lowerBound) takes \(model.inputWidth(ofLayer: layers.lowerBound))")
        }
        return .compute(job, model: model, layers: layers)
    }

    private enum Loaded {
        case model(PublishedModel)
        case unavailable(String)
    }

    /// The model, or why it cannot be had now; a broker failure is thrown.
    private static func load(_ digest: String, publishedAtMs: Int64, models: ModelSource) throws -> Loaded {
        do {
            return .model(try models.model(digest: digest, publishedAtMs: publishedAtMs))
        } catch let error as AMQPError {
            throw error
        } catch {
            return .unavailable("cannot load the job's model: \(error)")
        }
    }
}
