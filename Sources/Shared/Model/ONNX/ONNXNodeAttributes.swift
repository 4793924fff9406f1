import Foundation

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

    /// The float-list attribute `name`, nil when absent. Throws when it has another type or a
    /// value that is not finite.
    func floatsAttribute(_ name: String) throws -> [Float]? {
        guard let attribute = attribute.first(where: { $0.name == name }) else { return nil }
        guard attribute.type == .floats || (attribute.type == .undefined && !attribute.floats.isEmpty) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "attribute '\(name)' of \(opAndLabel) is not a list of floats")
        }
        guard attribute.floats.allSatisfy(\.isFinite) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "attribute '\(name)' of \(opAndLabel) holds a NaN or infinity")
        }
        return attribute.floats
    }

    /// The integer-list attribute `name`, nil when absent.
    func intsAttribute(_ name: String) throws -> [Int]? {
        guard let attribute = attribute.first(where: { $0.name == name }) else { return nil }
        guard attribute.type == .ints || (attribute.type == .undefined && !attribute.ints.isEmpty) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "attribute '\(name)' of \(opAndLabel) is not a list of integers")
        }
        return attribute.ints.map { Int(truncatingIfNeeded: $0) }
    }

    /// The string attribute `name` (UTF-8), or `defaultValue` when the node does not set it.
    func stringAttribute(_ name: String, default defaultValue: String) throws -> String {
        guard let attribute = attribute.first(where: { $0.name == name }) else { return defaultValue }
        guard attribute.type == .string || (attribute.type == .undefined && attribute.hasS),
              let text = String(data: attribute.s, encoding: .utf8) else {
            throw ONNXImportError.Problem(.unsupportedAttribute, "attribute '\(name)' of \(opAndLabel) is not a string")
        }
        return text
    }

    /// The input at `index`, nil when absent or empty (an omitted optional input).
    func optionalInput(_ index: Int) -> String? {
        index < input.count && !input[index].isEmpty ? input[index] : nil
    }
}
