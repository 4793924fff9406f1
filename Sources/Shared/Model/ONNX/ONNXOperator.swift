/// The ONNX ops the importer understands, and what each one means for a dense network.
///
/// Anything not listed here is refused by name before any tensor is decoded: a model that uses an
/// unknown op cannot be run faithfully, and failing early keeps the error about the op rather than
/// about a side effect of it.
enum ONNXOperator: String, CaseIterable {
    // Layers.
    case gemm = "Gemm"
    case matMul = "MatMul"
    case linearClassifier = "LinearClassifier"
    case linearRegressor = "LinearRegressor"
    // Affine maps by constants, folded into the layers next to them.
    case add = "Add"
    case sub = "Sub"
    case mul = "Mul"
    case div = "Div"
    case batchNormalization = "BatchNormalization"
    case scaler = "Scaler"
    // Activations.
    case relu = "Relu"
    case leakyRelu = "LeakyRelu"
    case pRelu = "PRelu"
    case sigmoid = "Sigmoid"
    case tanh = "Tanh"
    case elu = "Elu"
    case selu = "Selu"
    case softplus = "Softplus"
    case hardSigmoid = "HardSigmoid"
    case clip = "Clip"
    case gelu = "Gelu"
    /// Only inside the Erf decomposition of Gelu (`ONNXGeluPattern`).
    case erf = "Erf"
    /// Only inside the tanh decomposition of Gelu (`ONNXGeluTanhPattern`).
    case pow = "Pow"
    // No-ops on samples × features data.
    case identity = "Identity"
    case dropout = "Dropout"
    case flatten = "Flatten"
    case reshape = "Reshape"
    case squeeze = "Squeeze"
    case unsqueeze = "Unsqueeze"
    case cast = "Cast"
    /// A stored tensor written as a node (PyTorch); read like an initializer.
    case constant = "Constant"
    // Output normalizations, only last.
    case softmax = "Softmax"
    case logSoftmax = "LogSoftmax"
    // Ops that only turn the final probabilities into labels (skl2onnx, some PyTorch exports).
    case argMax = "ArgMax"
    case arrayFeatureExtractor = "ArrayFeatureExtractor"
    case zipMap = "ZipMap"
    case normalizer = "Normalizer"
    /// Only as skl2onnx's binary classifier tail Concat(1 − p, p) (`ONNXBinaryClassifierTail`).
    case concat = "Concat"

    /// The domains whose ops these are: the default ONNX domain (empty or `ai.onnx`) and
    /// `ai.onnx.ml` for skl2onnx's Scaler, linear models, ZipMap and ArrayFeatureExtractor.
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
        case .argMax, .arrayFeatureExtractor, .reshape, .cast, .zipMap, .identity, .normalizer: true
        default: false
        }
    }
}
