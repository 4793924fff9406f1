import ArgumentParser
import SecureNets

/// A fully connected network shape such as `784-1024-1024-1024-10`: layer widths, inputs first.
///
/// The benchmark network has ReLU between layers and none after the last (logits), so in chained mode
/// the worker runs the whole model as one segment — the configuration whose cost the targets are about.
struct BenchShape: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let widths: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: "-").map { Int($0) }
        guard parts.count >= 2, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        widths = parts.map { $0! }
    }

    var description: String { widths.map(String.init).joined(separator: "-") }

    /// Multiply-adds of one plaintext forward pass per sample (for GFLOP/s in reports).
    var multiplyAddsPerSample: Int { zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } }

    /// A network with weights ~ N(0, 1/fan_in) and small biases, the same for a given seed.
    func randomNetwork(seed: UInt64) throws -> Network {
        var generator = SplitMix64(seed: seed)
        let layers = zip(widths, widths.dropFirst()).enumerated().map { index, pair in
            let (inputs, outputs) = pair
            let weights = Matrix(rows: inputs, columns: outputs,
                                 elements: generator.gaussians(count: inputs * outputs,
                                                               standardDeviation: (1 / Double(inputs)).squareRoot()))
            let bias = generator.gaussians(count: outputs, standardDeviation: 0.01)
            let isLast = index == widths.count - 2
            return DenseLayer(weights: weights, bias: bias, activation: isLast ? .identity : .relu,
                              name: "dense\(index)")
        }
        return try Network(layers: layers)
    }

    /// A batch of `rows` inputs ~ N(0, 1).
    func randomInput(rows: Int, seed: UInt64) -> Matrix {
        var generator = SplitMix64(seed: seed)
        return Matrix(rows: rows, columns: widths[0],
                      elements: generator.gaussians(count: rows * widths[0], standardDeviation: 1))
    }
}

/// A comma-separated list argument, e.g. `--batches 64,256,1024`.
struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument {
    let values: [Element]

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Element(argument: String($0)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        values = parsed.map { $0! }
    }

    init(_ values: [Element]) { self.values = values }

    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}
