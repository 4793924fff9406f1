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
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = apply(buffer[i]) }
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
