/// Why an ONNX model could not be turned into a `Network`.
///
/// `description` is one sentence naming the node (and op) or the file, e.g.
/// `unsupported op Conv in node 'conv1'` or
/// `layer 3 (Gemm 'fc2'): weight is 512×256, input has 128 features`. Match on `code` to react to a
/// kind of failure; the set of codes may grow.
public struct ONNXImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case unreadable, notONNX, emptyGraph, unsupportedOp, unsupportedAttribute, unsupportedGraph
            case activationWithoutLayer, consecutiveActivations, weightNotInitializer, shapeMismatch
            case malformedTensor, nonFiniteWeight, tooLarge, unsupportedOpset
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file could not be read.
        public static let unreadable = Code(.unreadable)
        /// The bytes are not an ONNX model (not protobuf, truncated, or no graph).
        public static let notONNX = Code(.notONNX)
        /// The graph has no nodes, no data input or no dense layer.
        public static let emptyGraph = Code(.emptyGraph)
        /// A node's op is not one SecureNets imports.
        public static let unsupportedOp = Code(.unsupportedOp)
        /// A supported op uses an attribute value SecureNets does not implement (e.g. Gemm transA=1).
        public static let unsupportedAttribute = Code(.unsupportedAttribute)
        /// The graph is not a single chain from one input (branches, several inputs, stray nodes).
        public static let unsupportedGraph = Code(.unsupportedGraph)
        /// An activation (or Softmax) comes before any Gemm/MatMul layer.
        public static let activationWithoutLayer = Code(.activationWithoutLayer)
        /// Two non-identity activations follow each other without a layer between them.
        public static let consecutiveActivations = Code(.consecutiveActivations)
        /// A weight or bias is computed by the graph or fed as an input instead of stored.
        public static let weightNotInitializer = Code(.weightNotInitializer)
        /// A weight or bias does not fit the layer's input or output width.
        public static let shapeMismatch = Code(.shapeMismatch)
        /// A tensor's type, storage or size is invalid or unsupported.
        public static let malformedTensor = Code(.malformedTensor)
        /// A weight or bias holds NaN or infinity.
        public static let nonFiniteWeight = Code(.nonFiniteWeight)
        /// The model's default-domain opset is outside `ONNXImporter.supportedOpsets`.
        public static let unsupportedOpset = Code(.unsupportedOpset)
        /// A file or tensor exceeds the import limits.
        public static let tooLarge = Code(.tooLarge)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The name of the model's file (or what the caller passed as `source`).
    public let source: String
    /// The sentence that `description` returns.
    public let message: String

    public init(_ code: Code, source: String, message: String) {
        self.code = code
        self.source = source
        self.message = message
    }

    public var description: String { message }
}

extension ONNXImportError {
    /// What the graph walk finds wrong, before the importer adds the model's source: the parts of
    /// the importer below `ONNXImporter` see nodes and tensors, not files.
    struct Problem: Error {
        let code: Code
        let message: String

        init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }
    }
}
