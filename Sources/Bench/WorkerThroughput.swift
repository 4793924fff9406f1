import SecureNets

/// One worker per core, compute only: a batch's products on one OpenBLAS thread (and one thread for
/// the row passes, which follow the same setting), as a `securenets-worker --threads 1` computes them.
/// Median seconds per batch over `repeats` timed calls after a warm-up call.
enum WorkerThroughput {
    struct Measurement: Encodable {
        /// nil for blinded mode.
        let pool: MaskedPool?
        let rows: Int
        let secondsPerBatch: Double
        let loadAverage: Double

        var rowsPerSecond: Double { Double(rows) / secondsPerBatch }

        enum CodingKeys: String, CodingKey {
            case pool, rows
            case secondsPerBatch = "seconds_per_batch"
            case loadAverage = "load_average"
        }
    }

    static func measure(_ results: HonestResults, pool: MaskedPool?, repeats: Int) throws -> Measurement {
        let threads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(threads) }
        let compute = results.workerCompute(pool: pool)
        try compute()
        var samples = Samples()
        for _ in 0..<repeats { samples.append(try Stopwatch.time(compute)) }
        return Measurement(pool: pool, rows: results.rows, secondsPerBatch: samples.median!, loadAverage: LoadAverage.oneMinute)
    }
}
