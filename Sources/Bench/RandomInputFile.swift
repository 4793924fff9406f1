import Foundation
import SecureNets

/// Writes `rows` random inputs ~ N(0, 1) as a float32 `.npy` file a block at a time, so that a data
/// set of gigabytes needs one block of memory. Block b is drawn from seed `seed + b`: the same file for
/// the same arguments.
enum RandomInputFile {
    static let blockRows = 4096

    static func write(shape: BenchShape, rows: Int, seed: UInt64, to url: URL) throws {
        let sink = try DataFile.rowSink(at: url, rows: rows, columns: shape.widths[0])
        for (block, start) in stride(from: 0, to: rows, by: blockRows).enumerated() {
            let count = min(blockRows, rows - start)
            try sink.write(shape.randomInput(rows: count, seed: seed &+ UInt64(block)), atRow: start)
        }
        try sink.finish()
    }
}
