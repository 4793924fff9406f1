/// The arithmetic of the capacity model, a pure function of the measurements: how many worker cores one
/// verifier core and one broker node keep busy, and what a fleet needs (docs/BENCHMARKS.md, "Capacity").
///
/// Everything is in rows of full-network inference. A worker core computes `W_pool` rows/s for its pool
/// (one pool in blinded mode; masked mode needs a data-pool core-second *and* a mask-pool core-second
/// per row of each), so one row costs `Σ 1/W_pool` worker core-seconds. A verifier core checks `V` rows/s
/// (every result of the row's batch: one in blinded mode, one per layer and pool in masked mode). The
/// broker carries every job, result and reply of a batch; its time per message is fitted as
/// `a + b · bytes` from two message sizes measured with confirms.
struct CapacityModel: Encodable {
    /// Worker rows/s per core, by pool ("blinded" for blinded mode).
    let workerRowsPerCoreSecond: [String: Double]
    /// Rows checked per verifier CPU-second.
    let verifierRowsPerCoreSecond: Double
    /// Broker seconds per message: `a + b · bytes`.
    let broker: BrokerCost
    /// Sizes of every message one batch sends through the broker: jobs, results, replies.
    let messageBytesPerBatch: [Int]
    let rowsPerBatch: Int

    /// Seconds per message of `bytes`, a line through two measured sizes (wall on this broker node, or
    /// broker CPU-seconds).
    struct BrokerCost: Encodable {
        let secondsPerMessage: Double
        let secondsPerByte: Double

        /// The line through (bytes₁, t₁) and (bytes₂, t₂); a negative slope or intercept (noise) is
        /// clamped to zero.
        init(_ first: (bytes: Int, seconds: Double), _ second: (bytes: Int, seconds: Double)) {
            let slope = (second.seconds - first.seconds) / Double(second.bytes - first.bytes)
            secondsPerByte = max(0, slope)
            secondsPerMessage = max(0, first.seconds - secondsPerByte * Double(first.bytes))
        }

        func seconds(bytes: Int) -> Double { secondsPerMessage + secondsPerByte * Double(bytes) }

        enum CodingKeys: String, CodingKey {
            case secondsPerMessage = "seconds_per_message"
            case secondsPerByte = "seconds_per_byte"
        }
    }

    /// Worker core-seconds one row costs, over all pools.
    var workerCoreSecondsPerRow: Double { workerRowsPerCoreSecond.values.reduce(0) { $0 + 1 / $1 } }

    /// Worker cores whose output one verifier core checks as fast as they produce it.
    var workerCoresPerVerifierCore: Double { verifierRowsPerCoreSecond * workerCoreSecondsPerRow }

    /// Bytes through the broker per row.
    var brokerBytesPerRow: Double { Double(messageBytesPerBatch.reduce(0, +)) / Double(rowsPerBatch) }

    /// Rows/s one broker node carries: a batch's messages, one after another.
    var brokerRowsPerSecond: Double {
        Double(rowsPerBatch) / messageBytesPerBatch.reduce(0) { $0 + broker.seconds(bytes: $1) }
    }

    var workerCoresPerBrokerNode: Double { brokerRowsPerSecond * workerCoreSecondsPerRow }

    /// What `cores` worker cores (split between the pools in proportion to their cost, in masked mode)
    /// produce, and the verifier cores and broker nodes that keeps busy.
    func fleet(workerCores cores: Int) -> Fleet {
        let rows = Double(cores) / workerCoreSecondsPerRow
        return Fleet(workerCores: cores, rowsPerSecond: rows, verifierCores: rows / verifierRowsPerCoreSecond,
                     brokerNodes: rows / brokerRowsPerSecond)
    }

    struct Fleet: Encodable {
        let workerCores: Int
        let rowsPerSecond: Double
        let verifierCores: Double
        let brokerNodes: Double

        enum CodingKeys: String, CodingKey {
            case workerCores = "worker_cores"
            case rowsPerSecond = "rows_per_second"
            case verifierCores = "verifier_cores"
            case brokerNodes = "broker_nodes"
        }
    }

    enum CodingKeys: String, CodingKey {
        case broker
        case workerRowsPerCoreSecond = "worker_rows_per_core_second"
        case verifierRowsPerCoreSecond = "verifier_rows_per_core_second"
        case messageBytesPerBatch = "message_bytes_per_batch"
        case rowsPerBatch = "rows_per_batch"
    }
}
