import Foundation

/// An element-wise activation applied after a layer's affine map.
///
/// Positively homogeneous activations (σ(c·x) = c·σ(x) for c > 0) commute with positive monomial
/// blinding, so a worker may apply them to blinded numbers; the others end a segment (DESIGN §3).
public enum Activation: Sendable, Equatable, Hashable, Codable {
    case identity
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    /// ONNX Elu: x for x ≥ 0, alpha·(eˣ − 1) below.
    case elu(alpha: Float)
    /// ONNX Selu: gamma·x for x > 0, gamma·alpha·(eˣ − 1) otherwise.
    case selu(alpha: Float, gamma: Float)
    /// ONNX Softplus: log(1 + eˣ).
    case softplus
    /// ONNX HardSigmoid: max(0, min(1, alpha·x + beta)).
    case hardSigmoid(alpha: Float, beta: Float)
    /// ONNX Clip: min(max(x, min), max); ReLU6 is clip(0, 6). Unbounded sides are ±greatestFiniteMagnitude.
    case clip(min: Float, max: Float)
    /// ONNX Gelu: x·Φ(x) = ½x(1 + erf(x/√2)), or with `tanhApproximation` ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    case gelu(tanhApproximation: Bool)
    /// ONNX PRelu with one slope per unit (column): x for x ≥ 0, slopes[unit]·x below. A single
    /// slope is imported as `leakyRelu` instead.
    case prelu(slopes: [Float])

    /// True when σ(n·x·d) = n·d·σ(x) for all positive n, d, unit by unit: the activation may run on
    /// blinded values.
    ///
    /// PRelu is homogeneous unit by unit only: the blinding permutes units, so the worker gets its
    /// slopes permuted with the same key (`Activation.blinded(by:)`), one per blinded column.
    public var isPositivelyHomogeneous: Bool {
        switch self {
        case .identity, .relu, .leakyRelu, .prelu: true
        case .sigmoid, .tanh, .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu: false
        }
    }

    /// σ(x) for one value of unit (column) `unit`; only `.prelu` depends on the unit, and then
    /// `unit` must be below `slopes.count`.
    @inlinable
    public func apply(_ x: Float, unit: Int = 0) -> Float {
        switch self {
        case .identity: x
        case .relu: x > 0 ? x : 0
        case .leakyRelu(let alpha): x >= 0 ? x : alpha * x
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .tanh: Foundation.tanh(x)
        case .elu(let alpha): x >= 0 ? x : alpha * (Foundation.expm1(x))
        case .selu(let alpha, let gamma): x > 0 ? gamma * x : gamma * (alpha * Foundation.expm1(x))
        // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no cancellation below.
        case .softplus: Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
        case .hardSigmoid(let alpha, let beta): Swift.max(0, Swift.min(1, alpha * x + beta))
        case .clip(let low, let high): Swift.min(Swift.max(x, low), high)
        case .gelu(let tanhApproximation):
            tanhApproximation
                ? 0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
                : Float(0.5 * Double(x) * (1 + Foundation.erf(Double(x) * 0.7071067811865476)))
        case .prelu(let slopes): x >= 0 ? x : slopes[unit] * x
        }
    }

    /// Applies σ to every element of `matrix` in place.
    public func apply(to matrix: inout Matrix) {
        if self == .identity { return }
        if case .prelu = self {
            let rows = matrix.rows, columns = matrix.columns
            matrix.elements.withUnsafeMutableBufferPointer { buffer in
                guard let values = buffer.baseAddress else { return }
                for r in 0..<rows { apply(to: values + r * columns, count: columns) }
            }
            return
        }
        let count = matrix.elements.count
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            guard let values = buffer.baseAddress else { return }
            apply(to: values, count: count)
        }
    }

    /// Applies σ to `count` values in place.
    ///
    /// One loop per case, each calling `apply(_:)` on a constant case, so the switch is resolved
    /// outside the loop; the function per case stays defined once, in `apply(_:)`, and the
    /// piecewise-linear ones also have a lane form (16 values at a time) with the same operations.
    func apply(to values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity: return
        case .relu: transformLanes(values, count, ReLULanes())
        case .leakyRelu(let alpha): transformLanes(values, count, LeakyReLULanes(alpha: alpha))
        case .sigmoid: transform(values, count) { Activation.sigmoid.apply($0) }
        case .tanh: transform(values, count) { Activation.tanh.apply($0) }
        case .prelu(let slopes):
            // One row (or rows of `slopes.count` columns): unit i is column i.
            slopes.withUnsafeBufferPointer { slope in
                guard let slope = slope.baseAddress else { return }
                let columns = slopes.count
                for start in stride(from: 0, to: count, by: columns) {
                    transformLanes(values + start, Swift.min(columns, count - start), PReLULanes(slopes: slope))
                }
            }
        case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu:
            // Applied only by the producer, once per segment: no need for a loop per case.
            transform(values, count) { self.apply($0) }
        }
    }

    /// σ of every element of `matrix`, as a new matrix: one pass that reads `matrix` and writes the
    /// result, where copying and then applying in place would make two.
    func applied(to matrix: Matrix) -> Matrix {
        if self == .identity { return matrix }
        if case .prelu = self {
            var copy = matrix
            apply(to: &copy)
            return copy
        }
        let count = matrix.elements.count
        let elements = [Float](unsafeUninitializedCapacity: count) { output, initialized in
            matrix.elements.withUnsafeBufferPointer { input in
                if let source = input.baseAddress, let target = output.baseAddress {
                    switch self {
                    case .identity: target.update(from: source, count: count)
                    case .relu: map(source, target, count) { Activation.relu.apply($0) }
                    case .leakyRelu(let alpha):
                        let leaky = Activation.leakyRelu(alpha: alpha)
                        map(source, target, count) { leaky.apply($0) }
                    case .sigmoid: map(source, target, count) { Activation.sigmoid.apply($0) }
                    case .tanh: map(source, target, count) { Activation.tanh.apply($0) }
                    // PRelu returned above: it needs the column of each value.
                    case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu, .prelu:
                        map(source, target, count) { self.apply($0) }
                    }
                }
            }
            initialized = count
        }
        return Matrix(rows: matrix.rows, columns: matrix.columns, elements: elements)
    }

    /// `z ← σ(z + 1·bᵀ)` for a rows × `bias.count` matrix: the affine layer's bias and activation in
    /// one pass over the product, instead of one pass for each. Same float32 operations in the same
    /// order as `addRowVector` followed by `apply(to:)`.
    func apply(to matrix: inout Matrix, addingBias bias: [Float]) {
        precondition(bias.count == matrix.columns, "bias of \(bias.count) for \(matrix.shapeDescription)")
        let rows = matrix.rows, columns = matrix.columns
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            bias.withUnsafeBufferPointer { b in
                guard let values = buffer.baseAddress, let b = b.baseAddress else { return }
                for r in 0..<rows {
                    let row = values + r * columns
                    switch self {
                    case .identity: transform(row, columns) { $0 + b[$1] }
                    case .relu: transform(row, columns) { Activation.relu.apply($0 + b[$1]) }
                    case .leakyRelu(let alpha):
                        let leaky = Activation.leakyRelu(alpha: alpha)
                        transform(row, columns) { leaky.apply($0 + b[$1]) }
                    case .sigmoid: transform(row, columns) { Activation.sigmoid.apply($0 + b[$1]) }
                    case .tanh: transform(row, columns) { Activation.tanh.apply($0 + b[$1]) }
                    case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu, .prelu:
                        transform(row, columns) { self.apply($0 + b[$1], unit: $1) }
                    }
                }
            }
        }
    }

    /// The name used in manifests, docs and error messages.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .relu: "relu"
        case .leakyRelu(let alpha): "leaky_relu(\(alpha))"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .elu(let alpha): "elu(\(alpha))"
        case .selu(let alpha, let gamma): "selu(\(alpha), \(gamma))"
        case .softplus: "softplus"
        case .hardSigmoid(let alpha, let beta): "hard_sigmoid(\(alpha), \(beta))"
        case .clip(let low, let high): "clip(\(low), \(high))"
        case .gelu(let tanhApproximation): tanhApproximation ? "gelu_tanh" : "gelu"
        case .prelu(let slopes): "prelu(\(slopes.count) slopes)"
        }
    }

    /// The activations the model manifest names (docs/PROTOCOL.md §7.1) and the worker's loops know;
    /// the others are applied only by the producer.
    var isFusedOnWorkers: Bool {
        switch self {
        case .identity, .relu, .leakyRelu, .sigmoid, .tanh, .prelu: true
        case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu: false
        }
    }
}

/// Sixteen floats: the width of the lane loops (four SSE, two AVX or one AVX-512 register).
private typealias Lanes = SIMD16<Float>

/// A piecewise-linear activation on 16 values at a time and on one, with the same float operations:
/// written element by element, the compiler turned `x > 0 ? x : 0` into a branch and a conditional
/// store, which mispredicts on every other sign (a fifth of the masked producer's time). A protocol
/// rather than closures, so that each loop is specialized and the lane code inlined into it.
private protocol LaneActivation {
    /// The values of columns `column ..< column + 16`.
    func lanes(_ x: Lanes, column: Int) -> Lanes
    func scalar(_ x: Float, column: Int) -> Float
}

/// `x > 0 ? x : 0`: NaN gives 0.
private struct ReLULanes: LaneActivation {
    @inline(__always) func lanes(_ x: Lanes, column: Int) -> Lanes { x.replacing(with: 0, where: .!(x .> 0)) }
    @inline(__always) func scalar(_ x: Float, column: Int) -> Float { Activation.relu.apply(x) }
}

/// `x >= 0 ? x : α·x`: NaN stays NaN.
private struct LeakyReLULanes: LaneActivation {
    let alpha: Float
    @inline(__always) func lanes(_ x: Lanes, column: Int) -> Lanes { x.replacing(with: alpha * x, where: .!(x .>= 0)) }
    @inline(__always) func scalar(_ x: Float, column: Int) -> Float { Activation.leakyRelu(alpha: alpha).apply(x) }
}

/// `x >= 0 ? x : slope[column]·x`.
private struct PReLULanes: LaneActivation {
    let slopes: UnsafePointer<Float>
    @inline(__always) func lanes(_ x: Lanes, column: Int) -> Lanes {
        x.replacing(with: UnsafeRawPointer(slopes + column).loadUnaligned(as: Lanes.self) * x, where: .!(x .>= 0))
    }
    @inline(__always) func scalar(_ x: Float, column: Int) -> Float { x >= 0 ? x : slopes[column] * x }
}

/// `values[i] = σ(values[i])` with σ's lane form over whole groups of 16 and its scalar form on the rest.
@inline(__always)
private func transformLanes<Function: LaneActivation>(_ values: UnsafeMutablePointer<Float>, _ count: Int, _ function: Function) {
    let raw = UnsafeMutableRawPointer(values)
    var i = 0
    while i + Lanes.scalarCount <= count {
        let x = raw.loadUnaligned(fromByteOffset: 4 * i, as: Lanes.self)
        raw.storeBytes(of: function.lanes(x, column: i), toByteOffset: 4 * i, as: Lanes.self)
        i += Lanes.scalarCount
    }
    while i < count {
        values[i] = function.scalar(values[i], column: i)
        i += 1
    }
}

/// `values[i] = f(values[i])` or `f(values[i], i)`: always inlined, so each call site becomes one
/// tight loop specialized for its closure.
@inline(__always)
private func transform(_ values: UnsafeMutablePointer<Float>, _ count: Int, _ f: (Float) -> Float) {
    for i in 0..<count { values[i] = f(values[i]) }
}

@inline(__always)
private func transform(_ values: UnsafeMutablePointer<Float>, _ count: Int, _ f: (Float, Int) -> Float) {
    for i in 0..<count { values[i] = f(values[i], i) }
}

@inline(__always)
private func map(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int,
                 _ f: (Float) -> Float) {
    for i in 0..<count { target[i] = f(source[i]) }
}
