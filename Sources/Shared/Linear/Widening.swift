/// Float32 ↔ float64 conversion of row-major blocks, for the worker's float64-accumulated products.
///
/// Plain counted loops over unsafe pointers, so the optimizer emits packed conversions
/// (`cvtps2pd`/`cvtpd2ps`), split by rows across cores: `Array.map` with a closure does not vectorize,
/// allocates, and runs on one core while the other waits. Each element gets exactly what `Double(_:)`
/// or `Float(_:)` gives it: widening is exact, narrowing rounds to nearest even.
enum Widening {
    /// `target[r·targetStride + c] = Double(source[r·sourceStride + c])` for every row r < rows, c < columns.
    static func widen(_ source: UnsafePointer<Float>, stride sourceStride: Int,
                      into target: UnsafeMutablePointer<Double>, stride targetStride: Int, rows: Int, columns: Int) {
        convert(source, sourceStride, target, targetStride, rows, columns) { Double($0) }
    }

    /// `target[r·targetStride + c] = Float(source[r·sourceStride + c])` for every row r < rows, c < columns.
    static func narrow(_ source: UnsafePointer<Double>, stride sourceStride: Int,
                       into target: UnsafeMutablePointer<Float>, stride targetStride: Int, rows: Int, columns: Int) {
        convert(source, sourceStride, target, targetStride, rows, columns) { Float($0) }
    }

    /// Always inlined, so each caller gets a loop specialized for its conversion.
    @inline(__always)
    private static func convert<Source, Target>(
        _ source: UnsafePointer<Source>, _ sourceStride: Int, _ target: UnsafeMutablePointer<Target>,
        _ targetStride: Int, _ rows: Int, _ columns: Int, _ element: (Source) -> Target
    ) {
        ParallelRows.forEach(rows: rows, columns: columns) { range in
            for r in range {
                let from = source + r * sourceStride, to = target + r * targetStride
                for c in 0..<columns { to[c] = element(from[c]) }
            }
        }
    }
}
