/// A per-feature affine map x ↦ scale ⊙ x + shift on samples × features data, in float64: what
/// BatchNormalization, Scaler and Add/Sub/Mul/Div by constants compute at inference time, and what
/// the importer folds into the dense layer before or after it.
///
/// `scale` and `shift` have one entry (the same for every feature) or one per feature. Folding
/// multiplies and adds in float64 and rounds each weight and bias once to float32, so a folded
/// layer differs from running the ops one by one only by float32 rounding (docs/MODELS.md).
struct ONNXFeatureAffine: Equatable {
    var scale: [Double]
    var shift: [Double]

    static let identity = ONNXFeatureAffine(scale: [1], shift: [0])

    /// The width this map fixes, nil when it broadcasts one value to every feature.
    var width: Int? {
        let widths = [scale.count, shift.count].filter { $0 > 1 }
        return widths.first
    }

    /// `self` followed by `next`: x ↦ next.scale ⊙ (scale ⊙ x + shift) + next.shift.
    /// Nil when the two fix different widths.
    func then(_ next: ONNXFeatureAffine) -> ONNXFeatureAffine? {
        let widths = Set([scale.count, shift.count, next.scale.count, next.shift.count].filter { $0 > 1 })
        guard widths.count <= 1 else { return nil }
        let n = widths.first ?? 1
        func at(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }
        return ONNXFeatureAffine(
            scale: (0..<n).map { at(next.scale, $0) * at(scale, $0) },
            shift: (0..<n).map { at(next.scale, $0) * at(shift, $0) + at(next.shift, $0) })
    }

    /// The layer z ↦ W·(a ⊙ x + c) + b as one layer: row i of W scaled by a[i], b + cᵀW.
    /// `weights` is inputs × outputs; `width` must be nil or the number of inputs.
    func folded(intoInputsOf weights: Matrix, bias: [Float]) -> (weights: Matrix, bias: [Float]) {
        let rows = weights.rows, columns = weights.columns
        func at(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }
        var folded = [Float](repeating: 0, count: rows * columns)
        var sums = bias.map(Double.init)
        for i in 0..<rows {
            let a = at(scale, i), c = at(shift, i)
            for j in 0..<columns {
                let w = Double(weights.elements[i * columns + j])
                folded[i * columns + j] = Float(a * w)
                sums[j] += c * w
            }
        }
        return (Matrix(rows: rows, columns: columns, elements: folded), sums.map { Float($0) })
    }

    /// The layer z ↦ a ⊙ (W·x + b) + c as one layer: column j of W scaled by a[j], a ⊙ b + c.
    /// `width` must be nil or the number of outputs.
    func folded(intoOutputsOf weights: Matrix, bias: [Float]) -> (weights: Matrix, bias: [Float]) {
        let rows = weights.rows, columns = weights.columns
        func at(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }
        var folded = weights.elements
        for i in 0..<rows {
            for j in 0..<columns { folded[i * columns + j] = Float(at(scale, j) * Double(weights.elements[i * columns + j])) }
        }
        let newBias = (0..<columns).map { Float(at(scale, $0) * Double(bias[$0]) + at(shift, $0)) }
        return (Matrix(rows: rows, columns: columns, elements: folded), newBias)
    }
}
