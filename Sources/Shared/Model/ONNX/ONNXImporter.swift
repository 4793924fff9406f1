import Foundation
import SwiftProtobuf

/// Turns an ONNX model of dense layers into a `Network` (DESIGN §6).
///
/// Reads the layouts of the common exporters: PyTorch (`Gemm` with transB=1), Keras via tf2onnx
/// (`MatMul` + `Add`) and skl2onnx (`Cast`, `MatMul` + `Add`, and an `ArgMax`/`ZipMap` tail after the
/// final `Softmax`), with Relu, LeakyRelu, Sigmoid, Tanh, Identity and Flatten. Weights must be
/// FLOAT or DOUBLE initializers stored in the file; DOUBLE is rounded to float32.
///
/// Every failure is an `ONNXImportError` whose description names the node (and op) or the file;
/// unsupported ops are refused before any weight is decoded. Malformed input never traps.
public enum ONNXImporter {
    /// The largest model accepted: protobuf cannot encode a message of 2 GiB or more.
    public static let maxModelBytes = Int(Int32.max)

    /// Reads and imports the model in the file at `url`.
    ///
    /// - Throws: `ONNXImportError` with code `.unreadable` (naming the path) when the file cannot be
    ///   read, `.tooLarge` over `maxModelBytes`, or any error of `load(data:source:)` with
    ///   `source` = the file's path.
    public static func load(contentsOf url: URL) throws -> Network {
        let path = url.path
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw ONNXImportError(.unreadable, source: path, message: "cannot read ONNX model '\(path)': \(error.localizedDescription)")
        }
        // Checked before reading, so a huge file is refused instead of loaded.
        guard size <= maxModelBytes else {
            throw ONNXImportError(.tooLarge, source: path,
                                  message: "'\(path)' is \(size) bytes; an ONNX model is at most \(maxModelBytes)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ONNXImportError(.unreadable, source: path, message: "cannot read ONNX model '\(path)': \(error.localizedDescription)")
        }
        return try load(data: data, source: path, externalDataFolder: url.deletingLastPathComponent())
    }

    /// Imports the serialized ONNX model in `data`; `source` (a path or name) is carried by every
    /// error and quoted in those about the file as a whole.
    ///
    /// - Returns: the network's dense layers in order, with `endsInSoftmax` set when the model ends
    ///   in Softmax (its outputs are then probabilities).
    /// - Throws: `ONNXImportError`: `.notONNX` for bytes that are not an ONNX model (empty, not
    ///   protobuf, truncated, no graph); `.emptyGraph`; `.unsupportedOp` (`unsupported op Conv in
    ///   node 'conv1'`); `.unsupportedAttribute`; `.unsupportedGraph` (branches, several inputs,
    ///   nodes off the path, Softmax not final); `.activationWithoutLayer`; `.consecutiveActivations`;
    ///   `.weightNotInitializer`; `.shapeMismatch`; `.malformedTensor`; `.nonFiniteWeight`; `.tooLarge`.
    public static func load(data: Data, source: String) throws -> Network {
        try load(data: data, source: source, externalDataFolder: nil)
    }

    /// The oldest and newest default-domain opsets the importer reads (what current exporters write).
    public static let supportedOpsets: ClosedRange<Int64> = 9...21

    /// `load(data:source:)`, reading tensors stored as external data from `externalDataFolder`
    /// (the model's folder; nil refuses them).
    static func load(data: Data, source: String, externalDataFolder: URL?) throws -> Network {
        guard !data.isEmpty else {
            throw ONNXImportError(.notONNX, source: source, message: "'\(source)' is not an ONNX model: it is empty")
        }
        guard data.count <= maxModelBytes else {
            throw ONNXImportError(.tooLarge, source: source,
                                  message: "'\(source)' is \(data.count) bytes; an ONNX model is at most \(maxModelBytes)")
        }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXImportError(.notONNX, source: source,
                                  message: "'\(source)' is not an ONNX model: protobuf decoding failed (\(error))")
        }
        // Protobuf accepts many byte strings; a real model always states its IR version and has a graph.
        guard model.irVersion > 0, model.hasGraph else {
            throw ONNXImportError(.notONNX, source: source,
                                  message: "'\(source)' is not an ONNX model: it has no IR version or no graph")
        }
        if let opset = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" })?.version,
           !supportedOpsets.contains(opset) {
            throw ONNXImportError(.unsupportedOpset, source: source,
                                  message: "'\(source)' uses ONNX opset \(opset); SecureNets reads opsets \(supportedOpsets.lowerBound) to \(supportedOpsets.upperBound)")
        }
        do {
            let path = try ONNXDataPath(walking: try ONNXGraphIndex(graph: model.graph),
                                        externalData: ONNXExternalData(folder: externalDataFolder))
            return try Network(layers: path.layers, outputNormalization: path.outputNormalization)
        } catch let problem as ONNXImportError.Problem {
            throw ONNXImportError(problem.code, source: source, message: problem.message)
        } catch let error as ModelError {
            // The walk checks widths itself; this only guards the Network invariant.
            throw ONNXImportError(.shapeMismatch, source: source, message: error.description)
        }
    }
}
