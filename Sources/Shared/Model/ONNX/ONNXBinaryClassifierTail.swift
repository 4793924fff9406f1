/// The probability tail skl2onnx writes for a binary MLPClassifier: the last layer has one unit,
///
///     p = Sigmoid(z);  q = Sub(1, p);  probabilities = Concat([q, p], axis 1)
///
/// recognized as one pattern. The one-unit layer becomes two columns scoring −z and z with the
/// sigmoid attached, so the producer computes [σ(−z), σ(z)] = [1 − p, p] at the segment edge (as for
/// a binary LogisticRegression) and the worker still sees a dense layer; labels are the argmax, as
/// scikit-learn's predict (p > 0.5). A Concat that is not exactly this tail is refused naming it.
extension ONNXDataPath {
    /// When the samples feed a Concat, checks the tail and moves past it, returning the
    /// probabilities tensor that label ops may read; nil (changing nothing) when no Concat reads them.
    mutating func matchBinaryClassifierTail() throws -> String? {
        guard let readers = graph.consumers[tensor],
              let concat = readers.first(where: { graph.operators[$0] == .concat }) else { return nil }
        let p = tensor
        let concatNode = graph.nodes[concat]
        func refuse(_ reason: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(
                .unsupportedGraph,
                "\(concatNode.opAndLabel) \(reason); Concat is only supported as skl2onnx's binary classifier tail Concat(1 − p, p) with p = Sigmoid of a one-unit layer")
        }
        guard let sigmoid = graph.nodes.firstIndex(where: { $0.output.first == p }), graph.operators[sigmoid] == .sigmoid,
              visited.contains(sigmoid), let last = layers.indices.last, layers[last].activation == .sigmoid,
              pendingAffine == nil else {
            throw refuse("reads '\(p)', which is not the output of a Sigmoid on a layer")
        }
        let sigmoidLabel = graph.nodes[sigmoid].opAndLabel
        guard layers[last].outputCount == 1 else {
            throw refuse("follows \(sigmoidLabel) of a layer with \(layers[last].outputCount) units")
        }
        guard readers.count == 2, let sub = readers.first(where: { $0 != concat }), graph.operators[sub] == .sub else {
            let names = readers.map { graph.nodes[$0].opAndLabel }.joined(separator: ", ")
            throw refuse("follows \(sigmoidLabel), whose output '\(p)' feeds \(names) instead of exactly Sub and Concat")
        }
        let subNode = graph.nodes[sub]
        guard subNode.input.count == 2, subNode.input[1] == p, subNode.output.count == 1, isStoredOne(subNode.input[0]) else {
            throw refuse("reads \(subNode.opAndLabel), which does not compute 1 − '\(p)' with a stored 1")
        }
        let q = subNode.output[0]
        guard graph.consumers[q] == [concat], concatNode.input == [q, p], concatNode.output.count == 1,
              !concatNode.output[0].isEmpty else {
            throw refuse("does not join exactly ['\(q)', '\(p)'] (1 − p, then p) into one output")
        }
        let axis = try concatNode.intAttribute("axis", default: 0)
        guard axis == 1 || axis == -1 else {
            throw refuse("joins along axis \(axis), not per sample (axis 1 or -1)")
        }
        (layers[last].weights, layers[last].bias) = Self.twoClassScores(layers[last].weights, layers[last].bias)
        sampleShape = [2]
        visited.formUnion([sub, concat])
        tensor = concatNode.output[0]
        return tensor
    }

    /// A one-column layer scoring s turned into the two columns −s, s: with a sigmoid after it, the
    /// probabilities of the two classes (σ(−s) = 1 − σ(s)).
    static func twoClassScores(_ weights: Matrix, _ bias: [Float]) -> (Matrix, [Float]) {
        let columns = Matrix(rows: weights.rows, columns: 2,
                             elements: (0..<weights.rows).flatMap { [-weights.elements[$0], weights.elements[$0]] })
        return (columns, [-bias[0], bias[0]])
    }

    /// True when `name` is a stored scalar equal to 1.
    private func isStoredOne(_ name: String) -> Bool {
        guard let stored = graph.initializers[name],
              let value = try? ONNXWeightTensor(decoding: stored, externalData: externalData) else { return false }
        return value.values == [1]
    }
}
