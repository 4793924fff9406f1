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

    /// `target = Float(source)` and `next = Double(σ(target))` for `count` contiguous entries, in one
    /// pass: the worker's exact layer output Ẑ and the next layer's float64 input σ(Ẑ), each bit for bit
    /// what narrowing, `Activation.applied` and widening give one after another.
    static func narrowActivatingAndWidening(_ source: UnsafePointer<Double>, into target: UnsafeMutablePointer<Float>,
                                            next: UnsafeMutablePointer<Double>, count: Int, activation: Activation) {
        // One loop per case, so the switch is outside the loop (as in `Activation.apply(to:count:)`).
        switch activation {
        case .identity: fuse(source, target, next, count) { $0 }
        case .relu: fuse(source, target, next, count) { Activation.relu.apply($0) }
        case .leakyRelu(let alpha):
            let leaky = Activation.leakyRelu(alpha: alpha)
            fuse(source, target, next, count) { leaky.apply($0) }
        case .sigmoid: fuse(source, target, next, count) { Activation.sigmoid.apply($0) }
        case .tanh: fuse(source, target, next, count) { Activation.tanh.apply($0) }
        case .prelu(let slopes):
            // One slope per column: the entries are rows of `slopes.count` (the blinded model's
            // decoder checks that width), split by rows so each row walks the slopes once.
            let columns = slopes.count
            precondition(columns > 0 && count % columns == 0, "PRelu with \(columns) slopes on \(count) entries")
            slopes.withUnsafeBufferPointer { slope in
                let slope = slope.baseAddress!
                ParallelRows.forEach(rows: count / columns, columns: columns) { range in
                    for r in range {
                        let first = r * columns
                        for c in 0..<columns {
                            let z = Float(source[first + c])
                            target[first + c] = z
                            next[first + c] = Double(z >= 0 ? z : slope[c] * z)  // `Activation.apply`
                        }
                    }
                }
            }
        // Producer-only activations never reach a worker's model (`Activation.sentToWorkers`);
        // handled generically so the function stays total.
        case .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu:
            fuse(source, target, next, count) { activation.apply($0) }
        }
    }

    @inline(__always)
    private static func fuse(_ source: UnsafePointer<Double>, _ target: UnsafeMutablePointer<Float>,
                             _ next: UnsafeMutablePointer<Double>, _ count: Int, _ activation: (Float) -> Float) {
        ParallelRows.forEach(rows: count, columns: 1) { range in
            for i in range {
                let z = Float(source[i])
                target[i] = z
                next[i] = Double(activation(z))
            }
        }
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
