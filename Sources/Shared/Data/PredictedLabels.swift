/// The class labels written by `--labels`: the argmax of each output row, or `unverified` for a row
/// that has no trustworthy output.
///
/// A row whose batch could not be verified is NaN in the outputs. Its argmax would be class 0 (every
/// comparison with NaN is false), a real class and a wrong value in the user's file; it gets
/// `unverified` instead, which no classifier produces.
public enum PredictedLabels {
    /// The label of a row that could not be verified (a NaN output): −1.
    public static let unverified = -1

    /// One label per row of `outputs`: the index of its largest entry (the first one on ties), or
    /// `unverified` when any entry of the row is NaN.
    public static func labels(of outputs: Matrix) -> [Int] {
        let argmax = outputs.rowArgmax()
        return (0..<outputs.rows).map { row in
            outputs.row(row).contains(where: \.isNaN) ? unverified : argmax[row]
        }
    }
}
