import SecureNets

/// The rows of a finished job that have no verified output, and the summary line that names them.
///
/// Those rows are NaN in the outputs and `PredictedLabels.unverified` (−1) in the labels; the line
/// says how many there are and in which batches, so that a user never mistakes them for results.
struct UnverifiedRows {
    let record: JobRecord
    /// Batches without a verified output, ascending.
    let batches: [Int]

    /// Batches named in the summary; the rest are counted.
    static let listedBatches = 20

    init(record: JobRecord, verified: Set<Int>) {
        self.record = record
        batches = (0..<record.batchCount).filter { !verified.contains($0) }
    }

    var rowCount: Int { batches.reduce(0) { $0 + record.rows(ofBatch: $1).count } }

    /// `unverified: 60 of 360 rows (NaN in the outputs, label -1 in the labels), in batch 2 (rows
    /// 120..<180)`, or nil when every row was verified.
    func summary(hasLabels: Bool) -> String? {
        guard !batches.isEmpty else { return nil }
        let marks = hasLabels ? "NaN in the outputs, label \(PredictedLabels.unverified) in the labels" : "NaN in the outputs"
        var named = batches.prefix(Self.listedBatches).map { "\($0) (rows \(record.rows(ofBatch: $0)))" }
            .joined(separator: ", ")
        if batches.count > Self.listedBatches { named += " and \(batches.count - Self.listedBatches) more" }
        return "unverified: \(rowCount) of \(record.rows) rows (\(marks)), in batch\(batches.count == 1 ? "" : "es") \(named)"
    }
}
