/// Gelu as PyTorch (before opset 20) and tf2onnx export it: x·0.5·(1 + erf(x/√2)) spelled out in
/// five nodes that read the samples twice,
///
///     e = Div(x, √2) or Mul(x, 1/√2);  f = Erf(e);  g = Add(f, 1)
///     y = Mul(Mul(x, g), 0.5)   (PyTorch)   or   y = Mul(Mul(x, 0.5), g)   (tf2onnx)
///
/// recognized as one activation. Constants must be stored scalars within 1e-6 of √2, 1/√2, 1, 0.5.
extension ONNXDataPath {
    /// When the samples feed exactly the Gelu decomposition, attaches Gelu to the last layer and
    /// moves past it; returns false (changing nothing) for any other graph.
    mutating func matchGeluDecomposition() throws -> Bool {
        guard let readers = graph.consumers[tensor], readers.count == 2,
              readers.allSatisfy({ !visited.contains($0) }) else { return false }
        let x = tensor
        for (scaling, other) in [(readers[0], readers[1]), (readers[1], readers[0])] {
            guard let e = scaledByInverseRootTwo(scaling, x),
                  let erf = onlyReader(of: e), graph.operators[erf] == .erf, graph.nodes[erf].input.first == e,
                  let f = graph.nodes[erf].output.first,
                  let plusOne = onlyReader(of: f), let g = binary(plusOne, .add, f, constant: 1) else { continue }
            var matched: Int?
            var output: String?
            if let h = binary(other, .mul, x, tensor: g), let half = onlyReader(of: h),
               let y = binary(half, .mul, h, constant: 0.5) {
                matched = half
                output = y
            } else if let h = binary(other, .mul, x, constant: 0.5), let product = onlyReader(of: h),
                      onlyReader(of: g) == product, let y = binary(product, .mul, h, tensor: g) {
                matched = product
                output = y
            }
            guard let last = matched, let output else { continue }
            try attach(.gelu(tanhApproximation: false), label: "Gelu (the Erf decomposition around \(graph.nodes[erf].opAndLabel))")
            for position in [scaling, other, erf, plusOne, last] { visited.insert(position) }
            tensor = output
            return true
        }
        return false
    }

    /// The output of `position` when it is Div(x, √2) or Mul(x, 1/√2).
    private func scaledByInverseRootTwo(_ position: Int, _ x: String) -> String? {
        binary(position, .div, x, constant: 2.0.squareRoot(), samplesFirst: true)
            ?? binary(position, .mul, x, constant: 0.5.squareRoot())
    }

    /// The output of node `position` when it is `op` of `input` and a stored scalar ≈ `constant`.
    private func binary(_ position: Int, _ op: ONNXOperator, _ input: String, constant: Double,
                        samplesFirst: Bool = false) -> String? {
        let node = graph.nodes[position]
        guard graph.operators[position] == op, node.input.count == 2, node.output.count == 1,
              node.input.contains(input), !samplesFirst || node.input[0] == input else { return nil }
        let other = node.input[0] == input ? node.input[1] : node.input[0]
        guard let value = storedScalar(other), abs(value - constant) <= 1e-6 * max(1, constant) else { return nil }
        return node.output[0]
    }

    /// The output of node `position` when it is `op` of exactly `input` and `tensor`.
    private func binary(_ position: Int, _ op: ONNXOperator, _ input: String, tensor other: String) -> String? {
        let node = graph.nodes[position]
        guard graph.operators[position] == op, node.input.count == 2, node.output.count == 1,
              Set(node.input) == [input, other] else { return nil }
        return node.output[0]
    }

    private func onlyReader(of name: String) -> Int? {
        guard let readers = graph.consumers[name], readers.count == 1 else { return nil }
        return readers[0]
    }
}
