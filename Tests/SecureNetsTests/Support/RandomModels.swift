@testable import SecureNets

/// Random matrices, networks and keys for property tests, all drawn from a `SplitMix64`.
enum RandomModels {
    /// A matrix whose entries are `sign · 10^U(decades)`: values over many orders of magnitude.
    static func spreadMatrix(rows: Int, columns: Int, decades: ClosedRange<Double> = -4...4,
                             using rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in rng.spread(decades) })
    }

    /// One of the positively homogeneous activations, which a worker may chain.
    static func homogeneousActivation(using rng: inout SplitMix64) -> Activation {
        switch rng.int(0...2) {
        case 0: .relu
        case 1: .leakyRelu(alpha: rng.uniform(0.01...0.5))
        default: .identity
        }
    }

    /// Any activation, with sigmoid and tanh (segment ends) about one time in three.
    static func anyActivation(using rng: inout SplitMix64) -> Activation {
        switch rng.int(0...5) {
        case 0: .sigmoid
        case 1: .tanh
        default: homogeneousActivation(using: &rng)
        }
    }

    /// Random layer widths, inputs first: `depth` layers, each width in `width`.
    static func widths(depth: ClosedRange<Int>, width: ClosedRange<Int>, using rng: inout SplitMix64) -> [Int] {
        (0...rng.int(depth)).map { _ in rng.int(width) }
    }

    /// A network with the given widths and activations. Weights are `sign · 10^U(-2, 0) / √inputs`,
    /// biases `sign · 10^U(-3, 1)`, so activations neither explode nor vanish with depth while every
    /// layer still mixes values of very different magnitudes.
    static func network(widths: [Int], activations: [Activation], endsInSoftmax: Bool = false,
                        using rng: inout SplitMix64) -> Network {
        precondition(activations.count == widths.count - 1)
        let layers = activations.indices.map { index -> DenseLayer in
            let inputs = widths[index], outputs = widths[index + 1]
            let scale = 1 / Float(inputs).squareRoot()
            var weights = spreadMatrix(rows: inputs, columns: outputs, decades: -2...0, using: &rng)
            for i in weights.elements.indices { weights.elements[i] *= scale }
            let bias = (0..<outputs).map { _ in rng.spread(-3...1) }
            return DenseLayer(weights: weights, bias: bias, activation: activations[index], name: "fc\(index)")
        }
        return try! Network(layers: layers, endsInSoftmax: endsInSoftmax)
    }

    /// A network of random depth and widths with activations drawn by `activation`.
    static func network(depth: ClosedRange<Int>, width: ClosedRange<Int>, using rng: inout SplitMix64,
                        activation: (inout SplitMix64) -> Activation) -> Network {
        let widths = widths(depth: depth, width: width, using: &rng)
        let activations = (1..<widths.count).map { _ in activation(&rng) }
        return network(widths: widths, activations: activations, using: &rng)
    }

    /// A monomial key whose scales are powers of two (exact in float32, so dense products are exact).
    static func powerOfTwoKey(size: Int, signed: Bool, using rng: inout SplitMix64) -> MonomialMatrix {
        var permutation = Array(0..<size)
        permutation.shuffle(using: &rng)
        let scales = (0..<size).map { _ -> Double in
            let magnitude = Double(sign: .plus, exponent: rng.int(-6...6), significand: 1)
            return signed && rng.coin() ? -magnitude : magnitude
        }
        return try! MonomialMatrix(permutation: permutation, scales: scales)
    }
}
