/// Gelu's tanh approximation as exporters spell it out before opset 20 (PyTorch for
/// `nn.GELU(approximate='tanh')`, tf2onnx for Keras' `gelu(approximate=True)`):
///
///     0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
///
/// in Mul, Add, Div (by a constant), Pow and Tanh nodes that read the samples several times,
/// recognized as one activation. The operands of Mul and Add may come in any order and the
/// products in any grouping (PyTorch writes `Mul(0.5, Mul(x, Add(1, Tanh(…))))` and x³ as
/// `Mul(x, Mul(x, x))`, tf2onnx `Mul(Mul(0.5, x), …)` and `Pow(x, 3)`): the nodes are read as a
/// sum-of-products expression and compared with the formula. Constants must be stored scalars
/// within 1e-6 (relative) of 0.5, 1, √(2/π) and 0.044715; every intermediate tensor must be read
/// only inside the pattern.
extension ONNXDataPath {
    /// When the samples feed exactly Gelu's tanh decomposition, attaches Gelu (tanh) to the last
    /// layer and moves past it; returns false (changing nothing) for any other graph.
    mutating func matchGeluTanhDecomposition() throws -> Bool {
        guard let readers = graph.consumers[tensor], readers.count >= 2,
              readers.allSatisfy({ !visited.contains($0) && Self.geluTanhOps.contains(graph.operators[$0]) }) else {
            return false
        }
        // The pattern's last node is downstream of every reader of x: try the nodes reachable from x
        // through the pattern's ops, furthest first.
        var candidates: [Int] = []
        var queue = readers
        while let position = queue.first, candidates.count < Self.geluTanhMaxNodes {
            queue.removeFirst()
            guard !candidates.contains(position) else { continue }
            candidates.append(position)
            for output in graph.nodes[position].output {
                queue += (graph.consumers[output] ?? []).filter {
                    !visited.contains($0) && Self.geluTanhOps.contains(graph.operators[$0])
                }
            }
        }
        let producers = Dictionary(candidates.flatMap { position in graph.nodes[position].output.map { ($0, position) } },
                                   uniquingKeysWith: { first, _ in first })
        for root in candidates.reversed() {
            guard graph.nodes[root].output.count == 1 else { continue }
            var reader = GeluTanhReader(path: self, samples: tensor, producers: producers)
            guard let expression = reader.term(graph.nodes[root].output[0], depth: 0),
                  Self.isGeluTanh(expression),
                  readers.allSatisfy(reader.nodes.contains),
                  reader.nodes.allSatisfy({ position in
                      position == root || graph.nodes[position].output.allSatisfy {
                          (graph.consumers[$0] ?? []).allSatisfy(reader.nodes.contains)
                      }
                  }) else { continue }
            try attach(.gelu(tanhApproximation: true),
                       label: "Gelu (the tanh decomposition ending in \(graph.nodes[root].opAndLabel))")
            visited.formUnion(reader.nodes)
            tensor = graph.nodes[root].output[0]
            return true
        }
        return false
    }

    private static let geluTanhOps: Set<ONNXOperator> = [.mul, .add, .div, .pow, .tanh]
    /// The decomposition has at most 9 nodes; a few more leave room for Identity-free variants.
    private static let geluTanhMaxNodes = 16

    /// 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), after flattening products and sums.
    private static func isGeluTanh(_ gelu: GeluTanhTerm) -> Bool {
        guard case .product(let outer) = gelu, case let (half, outerRest)? = outer.splitConstants(multiplying: true),
              close(half, 0.5), outerRest.count == 2, outerRest.contains(.samples),
              case .sum(let onePlus)? = outerRest.first(where: { $0 != .samples }),
              case let (one, tanhTerm)? = onePlus.splitConstants(multiplying: false), close(one, 1), tanhTerm.count == 1,
              case .tanh(let inner) = tanhTerm[0],
              case .product(let scaled) = inner, case let (beta, scaledRest)? = scaled.splitConstants(multiplying: true),
              close(beta, (2 / Double.pi).squareRoot()), scaledRest.count == 1,
              case .sum(let cubic) = scaledRest[0], cubic.count == 2, cubic.contains(.samples),
              case .product(let kappaCube)? = cubic.first(where: { $0 != .samples }),
              case let (kappa, cube)? = kappaCube.splitConstants(multiplying: true), close(kappa, 0.044715) else { return false }
        // x³ as Pow(x, 3), x·x·x, or Pow(x, 2)·x.
        let degree = cube.reduce(0.0) { total, factor in
            switch factor {
            case .samples: total + 1
            case .power(.samples, let exponent): total + exponent
            default: .nan
            }
        }
        return degree == 3
    }

    private static func close(_ value: Double, _ expected: Double) -> Bool {
        abs(value - expected) <= 1e-6 * max(1, abs(expected))
    }
}

/// An expression in the samples x, as the Gelu tanh matcher reads the nodes: products and sums
/// flattened, so that any grouping of the same factors compares equal in structure.
indirect enum GeluTanhTerm: Equatable {
    case samples
    case constant(Double)
    case product([GeluTanhTerm])
    case sum([GeluTanhTerm])
    case tanh(GeluTanhTerm)
    case power(GeluTanhTerm, Double)
}

extension Array where Element == GeluTanhTerm {
    /// The constants combined (their product, or sum) and the other terms; nil when none is constant
    /// but the combination needs one (a product without its factor, a sum without its 1).
    fileprivate func splitConstants(multiplying: Bool) -> (Double, [GeluTanhTerm])? {
        var combined = multiplying ? 1.0 : 0.0, found = false, rest: [GeluTanhTerm] = []
        for term in self {
            if case .constant(let value) = term {
                combined = multiplying ? combined * value : combined + value
                found = true
            } else {
                rest.append(term)
            }
        }
        return found ? (combined, rest) : nil
    }
}

/// Reads the nodes behind a tensor as a `GeluTanhTerm`, remembering which nodes it used.
private struct GeluTanhReader {
    let path: ONNXDataPath
    let samples: String
    /// The node that writes each tensor, among the candidates.
    let producers: [String: Int]
    var nodes = Set<Int>()

    mutating func term(_ name: String, depth: Int) -> GeluTanhTerm? {
        if name == samples { return .samples }
        if let value = path.storedScalar(name) { return .constant(value) }
        guard depth < 12, let position = producers[name] else { return nil }
        let node = path.graph.nodes[position]
        nodes.insert(position)
        switch path.graph.operators[position] {
        case .tanh:
            guard node.input.count == 1, let argument = term(node.input[0], depth: depth + 1) else { return nil }
            return .tanh(argument)
        case .pow:
            guard node.input.count == 2, let base = term(node.input[0], depth: depth + 1),
                  let exponent = path.storedScalar(node.input[1]) else { return nil }
            return .power(base, exponent)
        case .div:
            guard node.input.count == 2, let dividend = term(node.input[0], depth: depth + 1),
                  let divisor = path.storedScalar(node.input[1]), divisor != 0 else { return nil }
            return .product(Self.flattened([dividend, .constant(1 / divisor)], product: true))
        case .mul, .add:
            let isProduct = path.graph.operators[position] == .mul
            guard node.input.count == 2 else { return nil }
            var operands: [GeluTanhTerm] = []
            for input in node.input {
                guard let operand = term(input, depth: depth + 1) else { return nil }
                operands.append(operand)
            }
            let flat = Self.flattened(operands, product: isProduct)
            return isProduct ? .product(flat) : .sum(flat)
        default:
            return nil
        }
    }

    /// The operands with nested products (or sums) spliced in.
    private static func flattened(_ operands: [GeluTanhTerm], product: Bool) -> [GeluTanhTerm] {
        operands.flatMap { operand -> [GeluTanhTerm] in
            switch operand {
            case .product(let factors) where product: factors
            case .sum(let terms) where !product: terms
            default: [operand]
            }
        }
    }
}

extension ONNXDataPath {
    /// The value of a stored scalar (an initializer or Constant output with one value), nil for
    /// anything else.
    func storedScalar(_ name: String) -> Double? {
        guard let stored = graph.initializers[name],
              let value = try? ONNXWeightTensor(decoding: stored, externalData: externalData),
              value.values.count == 1 else { return nil }
        return Double(value.values[0])
    }
}
