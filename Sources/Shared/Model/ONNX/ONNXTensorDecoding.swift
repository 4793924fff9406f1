/// A weight or bias initializer decoded to float32: its ONNX dimensions and row-major values.
///
/// Decoding checks, in this order and before allocating the values: not segmented, FLOAT or DOUBLE, non-negative dimensions within `TensorLimits.maxElements`, exactly as many
/// values (`float_data`/`double_data`) or bytes (`raw_data`, little-endian) as the dimensions
/// declare (external data: `ONNXExternalData` checks offset, length and file size); then that every
/// value is finite in float32.
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

    init(decoding tensor: Onnx_TensorProto, externalData: ONNXExternalData = ONNXExternalData(folder: nil)) throws {
        func malformed(_ problem: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(.malformedTensor, "tensor '\(tensor.name)' \(problem)")
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
        if tensor.dataLocation == .external {
            let bytes = try externalData.bytes(of: tensor, needed: count * format.width)
            values = bytes.withUnsafeBytes { PackedNumbers.floats(from: $0, count: count, format: format) }
        } else if !tensor.rawData.isEmpty {
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

/// An integer tensor (INT64, INT32 or BOOL) decoded for shapes, axes and flags: Reshape's shape,
/// Squeeze/Unsqueeze axes, Dropout's `training_mode`. Same checks as `ONNXWeightTensor`; at most
/// `maxElements` values, since these are short lists.
struct ONNXIntegerTensor {
    let name: String
    let values: [Int]

    static let maxElements = 64

    init(decoding tensor: Onnx_TensorProto, externalData: ONNXExternalData = ONNXExternalData(folder: nil)) throws {
        func malformed(_ problem: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(.malformedTensor, "tensor '\(tensor.name)' \(problem)")
        }
        guard !tensor.hasSegment else { throw malformed("is split into segments, which SecureNets does not read") }
        let elementType = Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType))
        let width: Int
        switch elementType {
        case .int64: width = 8
        case .int32: width = 4
        case .bool: width = 1
        default:
            let typeName = elementType.map { "\($0)".uppercased() } ?? "code \(tensor.dataType)"
            throw malformed("has element type \(typeName); expected INT64, INT32 or BOOL")
        }
        let dims = tensor.dims.map { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 }), let count = TensorLimits.elementCount(of: dims), count <= Self.maxElements else {
            throw malformed("has shape \(ONNXWeightTensor.describe(dims)); at most \(Self.maxElements) values are read")
        }
        var values: [Int] = []
        let raw = tensor.dataLocation == .external
            ? try externalData.bytes(of: tensor, needed: count * width) : tensor.rawData
        if !raw.isEmpty {
            guard raw.count == count * width else {
                throw malformed("declares \(count) values (\(count * width) bytes) but holds \(raw.count) bytes")
            }
            let bytes = [UInt8](raw)
            for index in 0..<count {
                var value: UInt64 = 0
                for byte in (0..<width).reversed() { value = value << 8 | UInt64(bytes[index * width + byte]) }
                switch width {
                case 8: values.append(Int(Int64(bitPattern: value)))
                case 4: values.append(Int(Int32(truncatingIfNeeded: value)))
                default: values.append(Int(value))
                }
            }
        } else if elementType == .int64 {
            values = tensor.int64Data.map { Int($0) }
        } else {
            values = tensor.int32Data.map { Int($0) }
        }
        guard values.count == count else { throw malformed("declares \(count) values but holds \(values.count)") }
        self.name = tensor.name
        self.values = values
    }
}
