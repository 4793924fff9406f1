import SecureNets
import SecureNetsMessaging
import SecureNetsServices

/// What a worker does with one delivered job, decided before any compute: a pure function of the bytes
/// and the model lookup, so every case is unit-tested without a broker.
public enum JobPlan: Equatable {
    /// Compute `layers` of `model` on the job's input and publish the result.
    case compute(JobMessage, model: BlindedModel, layers: Range<Int>)
    /// The job can never be computed (undecodable, or layers the model does not have): park it in the
    /// dead-letter queue with the reason, and ack it.
    case deadLetter(reason: String)
    /// The job is fine but cannot be computed now (its model is not readable yet): return it to the queue.
    case requeue(reason: String)

    /// Decides the plan. Throws only `AMQPError` from `models` (the broker went away: reconnect).
    public static func plan(body: [UInt8], maxMessageBytes: Int, models: ModelSource) throws -> JobPlan {
        let job: JobMessage
        do {
            job = try JobMessage.decode(body, limits: FrameLimits(maxFrameBytes: maxMessageBytes))
        } catch {
            return .deadLetter(reason: "undecodable job: \(error)")
        }
        let model: BlindedModel
        do {
            model = try models.model(digest: job.manifest.modelDigest, publishedAtMs: job.manifest.modelPublishedAtMs)
        } catch let error as AMQPError {
            throw error
        } catch {
            return .requeue(reason: "cannot load the job's model: \(error)")
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
}
