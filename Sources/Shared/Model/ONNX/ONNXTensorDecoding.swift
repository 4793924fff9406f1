/// A weight or bias initializer decoded to float32: its ONNX dimensions and row-major values.
///
/// Decoding checks, in this order and before allocating the values: stored inline (not external),
/// FLOAT or DOUBLE, non-negative dimensions within `TensorLimits.maxElements`, exactly as many
/// values (`float_data`/`double_data`) or bytes (`raw_data`, little-endian) as the dimensions
/// declare; then that every value is finite in float32.
struct ONNXWeightTensor {
    let name: String
    let dims: [Int]
    /// Row-major (C order), as ONNX stores every tensor.
    let values: [Float]

    /// `64×32`, or `a scalar` for a tensor without dimensions.
    var shapeDescription: String { Self.describe(dims) }

    static func describe(_ dims: [Int]) -> String {
        dims.isEmpty ? "a scalar" : dims.map(String.init).joined(separator: "×")
    }

    init(decoding tensor: Onnx_TensorProto) throws {
        func malformed(_ problem: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(.malformedTensor, "tensor '\(tensor.name)' \(problem)")
        }
        guard tensor.dataLocation != .external else {
            throw malformed("keeps its data in an external file, which SecureNets does not read")
        }
        guard !tensor.hasSegment else { throw malformed("is split into segments, which SecureNets does not read") }

        let elementType = Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType))
        let format: PackedNumberFormat
        switch elementType {
        case .float: format = .float32LittleEndian
        case .double: format = .float64LittleEndian
        default:
            let typeName = elementType.map { "\($0)".uppercased() } ?? "code \(tensor.dataType)"
            throw malformed("has element type \(typeName); weights must be FLOAT or DOUBLE")
        }

        let dims = tensor.dims.map { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw malformed("has a negative dimension: \(Self.describe(dims))") }
        guard let count = TensorLimits.elementCount(of: dims) else {
            throw ONNXImportError.Problem(
                .tooLarge,
                "tensor '\(tensor.name)' declares \(Self.describe(dims)) values, more than the limit of \(TensorLimits.maxElements)")
        }
        guard count > 0 else { throw malformed("is empty (shape \(Self.describe(dims)))") }

        let typeName = format.width == 4 ? "FLOAT" : "DOUBLE"
        let values: [Float]
        if !tensor.rawData.isEmpty {
            let needed = count * format.width
            guard tensor.rawData.count == needed else {
                throw malformed("declares \(Self.describe(dims)) \(typeName) values (\(needed) bytes) but holds \(tensor.rawData.count) bytes")
            }
            values = tensor.rawData.withUnsafeBytes { PackedNumbers.floats(from: $0, count: count, format: format) }
        } else {
            let present = format.width == 4 ? tensor.floatData.count : tensor.doubleData.count
            guard present == count else {
                throw malformed("declares \(Self.describe(dims)) \(typeName) values but holds \(present)")
            }
            values = format.width == 4 ? tensor.floatData : tensor.doubleData.map { Float($0) }
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw ONNXImportError.Problem(
                .nonFiniteWeight,
                "tensor '\(tensor.name)' has a NaN, infinite or beyond-float32 value at flat index \(index)")
        }
        self.name = tensor.name
        self.dims = dims
        self.values = values
    }
}
