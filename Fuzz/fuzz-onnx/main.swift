import Foundation
import SecureNets

/// libFuzzer target: the ONNX importer (`ONNXImporter.load(data:source:)`) on arbitrary bytes.
///
/// An `ONNXImportError` is a correct answer for any input; a trap, a sanitizer report, memory beyond
/// `-rss_limit_mb` or a run beyond `-timeout` is a finding. A model that imports must also be usable
/// as the producer uses it: one row of zeros runs through it without error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let network = try? ONNXImporter.load(data: data, source: "fuzz.onnx") else { return 0 }
    do {
        _ = try network.forward(Matrix(rows: 1, columns: network.inputCount))
    } catch {
        preconditionFailure("an imported network refuses its own input width: \(error)")
    }
    return 0
}
