/// Everything the capacity bench measured for one (shape, privacy mode), and the model built on it.
struct CapacityCell: Encodable {
    let shape: String
    let privacy: String
    let batch: Int
    /// Why the batch is below the one asked for, when it is.
    let batchNote: String?
    let workers: [WorkerThroughput.Measurement]
    let verifier: VerifierThroughput.Measurement
    /// Result-sized messages through the broker alone.
    let broker: BrokerThroughput.Measurement
    /// The capacity model with the broker's wall time per message on this node.
    let model: CapacityModel
    /// The same with the broker's CPU-seconds per message: what one broker core carries.
    let modelPerBrokerCore: CapacityModel

    enum CodingKeys: String, CodingKey {
        case shape, privacy, batch, workers, verifier, broker, model
        case batchNote = "batch_note"
        case modelPerBrokerCore = "model_per_broker_core"
    }
}
