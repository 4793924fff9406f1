import Dispatch

/// Runs row-wise passes across cores: the element-wise conversions and the verifier's
/// matrix–vector products that OpenBLAS does not run for us.
///
/// Uses as many threads as OpenBLAS is set to (`BLAS.threadCount`), so one knob sizes all arithmetic.
/// Several independent passes can share one parallel region (`run`): waking the worker threads costs
/// tens of microseconds, which adds up over the dozen passes of a segment's check. Small work runs on
/// the calling thread.
enum ParallelRows {
    /// Work below this many elements runs on the calling thread.
    static let minimumParallelElements = 1 << 17

    /// One pass over `rows` rows of `columns` elements each; `body` is called on disjoint row ranges
    /// covering `0..<rows` and must write only what belongs to its rows.
    struct Pass {
        let rows: Int
        let columns: Int
        let body: (Range<Int>) -> Void
    }

    /// Calls `body` on disjoint row ranges covering `0..<rows`, in parallel when `rows × columns` is large.
    static func forEach(rows: Int, columns: Int, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in run([Pass(rows: rows, columns: columns, body: body)]) }
    }

    /// Runs independent passes in one parallel region, each cut into row ranges of similar work.
    static func run(_ passes: [Pass]) {
        let threads = BLAS.threadCount
        let work = passes.reduce(0) { $0 + $1.rows * Swift.max($1.columns, 1) }
        guard threads > 1, work >= minimumParallelElements else {
            for pass in passes where pass.rows > 0 { pass.body(0..<pass.rows) }
            return
        }
        // A few chunks per thread, so a thread slowed by another process does not hold up the rest.
        let chunkWork = Swift.max(work / (threads * 4), 1)
        var chunks: [(pass: Int, range: Range<Int>)] = []
        for (index, pass) in passes.enumerated() where pass.rows > 0 {
            let count = Swift.min(pass.rows, Swift.max(1, pass.rows * Swift.max(pass.columns, 1) / chunkWork))
            for chunk in 0..<count {
                chunks.append((index, (pass.rows * chunk / count)..<(pass.rows * (chunk + 1) / count)))
            }
        }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
            passes[chunks[i].pass].body(chunks[i].range)
        }
    }
}
