/// The ONNX ops the importer understands, and what each one means for a dense network.
///
/// Anything not listed here is refused by name before any tensor is decoded: a model that uses an
/// unknown op cannot be run faithfully, and failing early keeps the error about the op rather than
/// about a side effect of it.
enum ONNXOperator: String, CaseIterable {
    case gemm = "Gemm"
    case matMul = "MatMul"
    case add = "Add"
    case relu = "Relu"
    case leakyRelu = "LeakyRelu"
    case sigmoid = "Sigmoid"
    case tanh = "Tanh"
    case identity = "Identity"
    case flatten = "Flatten"
    case cast = "Cast"
    case softmax = "Softmax"
    // Ops that only turn the final probabilities into labels (skl2onnx, some PyTorch exports).
    case argMax = "ArgMax"
    case arrayFeatureExtractor = "ArrayFeatureExtractor"
    case reshape = "Reshape"
    case zipMap = "ZipMap"

    /// The domains whose ops these are: the default ONNX domain (empty or `ai.onnx`) and
    /// `ai.onnx.ml` for skl2onnx's ZipMap and ArrayFeatureExtractor.
    private static let knownDomains: Set<String> = ["", "ai.onnx", "ai.onnx.ml"]

    /// The operator of `node`, or nil when the importer does not support it.
    init?(of node: Onnx_NodeProto) {
        guard Self.knownDomains.contains(node.domain) else { return nil }
        self.init(rawValue: node.opType)
    }

    /// True for ops allowed after the final Softmax, which only map probabilities to labels and so
    /// do not change what the user computes.
    var mapsProbabilitiesToLabels: Bool {
        switch self {
        case .argMax, .arrayFeatureExtractor, .reshape, .cast, .zipMap, .identity: true
        default: false
        }
    }
}
