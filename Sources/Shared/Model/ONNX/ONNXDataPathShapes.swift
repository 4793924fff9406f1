/// Flatten, Reshape, Squeeze and Unsqueeze: accepted when they keep one sample per row, so they
/// move no numbers in row-major order and only change the per-sample shape the walk tracks.
extension ONNXDataPath {
    /// Flatten(axis 1) turns N × d₁ × … into N × (d₁·…).
    mutating func flatten(_ node: Onnx_NodeProto) throws {
        let axis = try node.intAttribute("axis", default: 1)
        guard axis == 1 || (axis == -1 && rank == 2) else {
            throw ONNXImportError.Problem(
                .unsupportedAttribute, "\(node.opAndLabel) has axis \(axis); only Flatten(axis 1) of samples is supported")
        }
        sampleShape = [features]
    }

    /// Reshape to [0 or -1, d₁, …]: the batch dimension stays first and whole. `0` copies the
    /// input's dimension (unless allowzero = 1), one `-1` is inferred.
    mutating func reshape(_ node: Onnx_NodeProto) throws {
        guard let shapeName = node.optionalInput(1) else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has no shape input")
        }
        let target = try integerTensor(named: shapeName, role: "shape", of: node)
        let allowZero = try node.intAttribute("allowzero", default: 0) == 1
        func refused(_ why: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) to \(target): \(why)")
        }
        guard let first = target.first, first == -1 || (first == 0 && !allowZero) else {
            throw refused("the first dimension must stay the samples (0 or -1)")
        }
        var dims: [Int?] = []
        for (index, value) in target.enumerated().dropFirst() {
            switch value {
            case 0 where !allowZero:
                guard let sampleShape, index - 1 < sampleShape.count else { throw refused("copies a dimension the input does not have") }
                dims.append(sampleShape[index - 1])
            case -1: dims.append(nil)
            case 1...: dims.append(value)
            default: throw refused("dimension \(value) is not supported")
            }
        }
        let unknown = dims.filter { $0 == nil }.count
        let known = TensorLimits.elementCount(of: dims.compactMap { $0 })
        if first == -1 {
            // The batch is inferred: every other dimension must be given and hold one sample exactly.
            guard unknown == 0, let known else { throw refused("with the batch inferred, every other dimension must be given") }
            if let features, features != known {
                throw refused("a sample has \(features) values, the new shape \(known)")
            }
        } else {
            guard unknown <= 1 else { throw refused("more than one dimension is inferred") }
            if unknown == 1, let features, let known, known > 0, features % known == 0 {
                dims = dims.map { $0 ?? features / known }
            } else if unknown == 0, let features, let known, features != known {
                throw refused("a sample has \(features) values, the new shape \(known)")
            }
        }
        sampleShape = dims
    }

    /// Squeeze of size-1 per-sample dimensions (axes as attribute before opset 13, input since).
    mutating func squeeze(_ node: Onnx_NodeProto) throws {
        let axes = try self.axes(of: node)
        guard let sampleShape else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) needs the input's shape declared")
        }
        let rank = sampleShape.count + 1
        let chosen: [Int]
        if let axes {
            chosen = try axes.map { try normalized($0, rank: rank, node) }
        } else {
            guard !sampleShape.contains(nil) else {
                throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) without axes needs every dimension known")
            }
            chosen = sampleShape.indices.filter { sampleShape[$0] == 1 }.map { $0 + 1 }
        }
        for axis in chosen where sampleShape[axis - 1] != 1 {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) squeezes axis \(axis), which is not known to be 1")
        }
        self.sampleShape = sampleShape.indices.filter { !chosen.contains($0 + 1) }.map { sampleShape[$0] }
    }

    /// Unsqueeze inserting size-1 dimensions after the batch.
    mutating func unsqueeze(_ node: Onnx_NodeProto) throws {
        guard let axes = try self.axes(of: node), !axes.isEmpty else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has no axes")
        }
        var shape = sampleShape ?? [features]
        let outputRank = shape.count + 1 + axes.count
        for axis in try axes.map({ try normalized($0, rank: outputRank, node) }).sorted() {
            guard axis - 1 <= shape.count else {
                throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has axis \(axis) beyond the output's rank")
            }
            shape.insert(1, at: axis - 1)
        }
        sampleShape = shape
    }

    /// Axes from the `axes` attribute or the second input; nil when neither is given.
    private func axes(of node: Onnx_NodeProto) throws -> [Int]? {
        if let name = node.optionalInput(1) { return try integerTensor(named: name, role: "axes", of: node) }
        return try node.intsAttribute("axes")
    }

    /// `axis` in 1..<rank (negative counts from the end); axis 0 (the samples) is refused.
    private func normalized(_ axis: Int, rank: Int, _ node: Onnx_NodeProto) throws -> Int {
        let value = axis < 0 ? axis + rank : axis
        guard value >= 1 && value < rank else {
            throw ONNXImportError.Problem(.unsupportedGraph, "\(node.opAndLabel) has axis \(axis); only per-sample axes (not the batch) are supported")
        }
        return value
    }
}
