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

    /// True when σ(n·x·d) = n·d·σ(x) for all positive n, d: the activation may run on blinded values.
    public var isPositivelyHomogeneous: Bool {
        switch self {
        case .identity, .relu, .leakyRelu: true
        case .sigmoid, .tanh: false
        }
    }

    /// σ(x) for one value.
    @inlinable
    public func apply(_ x: Float) -> Float {
        switch self {
        case .identity: x
        case .relu: x > 0 ? x : 0
        case .leakyRelu(let alpha): x >= 0 ? x : alpha * x
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .tanh: Foundation.tanh(x)
        }
    }

    /// Applies σ to every element of `matrix` in place.
    public func apply(to matrix: inout Matrix) {
        if self == .identity { return }
        let count = matrix.elements.count
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            guard let values = buffer.baseAddress else { return }
            apply(to: values, count: count)
        }
    }

    /// Applies σ to `count` values in place.
    ///
    /// One loop per case, each calling `apply(_:)` on a constant case, so the switch is resolved
    /// outside the loop and ReLU compiles to packed max operations; the function per case stays
    /// defined once, in `apply(_:)`.
    func apply(to values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity: return
        case .relu: transform(values, count) { Activation.relu.apply($0) }
        case .leakyRelu(let alpha):
            let leaky = Activation.leakyRelu(alpha: alpha)
            transform(values, count) { leaky.apply($0) }
        case .sigmoid: transform(values, count) { Activation.sigmoid.apply($0) }
        case .tanh: transform(values, count) { Activation.tanh.apply($0) }
        }
    }

    /// σ of every element of `matrix`, as a new matrix: one pass that reads `matrix` and writes the
    /// result, where copying and then applying in place would make two.
    func applied(to matrix: Matrix) -> Matrix {
        if self == .identity { return matrix }
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
        }
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
