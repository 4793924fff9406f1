/// Reading a node's name and attributes for the importer, with ONNX's defaults.
extension Onnx_NodeProto {
    /// How error messages name this node: `'fc1'`, or by its first output when it has no name.
    var label: String {
        if !name.isEmpty { return "'\(name)'" }
        return output.first.map { "(unnamed, output '\($0)')" } ?? "(unnamed)"
    }

    /// `Op 'name'`, e.g. `Gemm 'fc2'`.
    var opAndLabel: String { "\(opType) \(label)" }

    /// The float attribute `name`, or `defaultValue` when the node does not set it.
    ///
    /// Throws when the attribute has another type or is not finite.
    func floatAttribute(_ name: String, default defaultValue: Float) throws -> Float {
        guard let attribute = attribute.first(where: { $0.name == name }) else { return defaultValue }
        // Old exporters leave `type` unset; the field that is present then says what it is.
        guard attribute.type == .float || (attribute.type == .undefined && attribute.hasF) else {
            throw ONNXImportError.Problem(.unsupportedAttribute,
                                          "attribute '\(name)' of \(opAndLabel) is not a float")
        }
        guard attribute.f.isFinite else {
            throw ONNXImportError.Problem(.unsupportedAttribute,
                                          "attribute '\(name)' of \(opAndLabel) is \(attribute.f)")
        }
        return attribute.f
    }

    /// The integer attribute `name`, or `defaultValue` when the node does not set it.
    ///
    /// Throws when the attribute has another type.
    func intAttribute(_ name: String, default defaultValue: Int) throws -> Int {
        guard let attribute = attribute.first(where: { $0.name == name }) else { return defaultValue }
        guard attribute.type == .int || (attribute.type == .undefined && attribute.hasI),
              let value = Int(exactly: attribute.i) else {
            throw ONNXImportError.Problem(.unsupportedAttribute,
                                          "attribute '\(name)' of \(opAndLabel) is not an integer")
        }
        return value
    }
}
