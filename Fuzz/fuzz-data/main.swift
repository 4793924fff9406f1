import Foundation
import SecureNets

/// libFuzzer target: the `.npy` and CSV readers (`DataFile`) on arbitrary bytes.
///
/// Each input is read four ways: as an `.npy` matrix, `.npy` labels, a CSV matrix and CSV labels.
/// A `DataFileError` is a correct answer for any input; a trap, a sanitizer report, memory beyond
/// `-rss_limit_mb` or a run beyond `-timeout` is a finding. What the readers promise about the data
/// they accept is checked too: every matrix element is finite and the shape holds its elements.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataFiles(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    for name in ["fuzz.npy", "fuzz.csv"] {
        if let matrix = try? DataFile.readMatrix(from: data, named: name) {
            precondition(matrix.elements.count == matrix.rows * matrix.columns, "\(name): shape does not hold its elements")
            precondition(matrix.isFinite, "\(name): a reader accepted a non-finite value")
        }
        _ = try? DataFile.readLabels(from: data, named: name)
    }
    return 0
}
