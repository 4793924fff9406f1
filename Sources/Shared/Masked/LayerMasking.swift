import CModP

/// The producer's two steps around each masked layer (DESIGN §8): mask its input before it leaves,
/// unmask the pools' products when they return. Pure functions of their arguments and the seed.
public enum LayerMasking {
    /// What leaves the producer for one batch and layer, and the scale it keeps.
    public struct Request: Sendable {
        /// X̂ = (X_q + R) mod p, for the data pool.
        public let maskedInput: ResidueMatrix
        /// The seed of R, for the mask pool only.
        public let seed: MaskSeed
        /// s_x: the activations' scale, kept by the producer for `unmask`.
        public let inputScale: Double

        /// The data pool's and the mask pool's inputs.
        public var dataPoolInput: PoolInput { .masked(maskedInput) }
        public var maskPoolInput: PoolInput { .seed(seed, rows: maskedInput.rows) }
    }

    /// Quantizes `activations` (B × K) at the layer's activation width with one scale for the batch,
    /// s_x = max|x| / (2^(a−1) − 1) (1 when all are 0), x_q = round(x / s_x), and masks them with
    /// R expanded from `seed`: X̂ = (x_q + R) mod p. Throws `MaskedModeError.shape` for the wrong
    /// width and `.nonFinite` for NaN or infinite activations.
    public static func mask(_ activations: Matrix, for layer: MaskedLayer, seed: MaskSeed = .random()) throws -> Request {
        guard activations.columns == layer.inputCount else {
            throw MaskedModeError.shape("layer \(layer.index) ('\(layer.name)') has \(layer.inputCount) inputs, the batch has \(activations.columns) columns")
        }
        let scale = try inputScale(of: activations, for: layer)
        let limit = layer.bitWidths.activationLimit
        let rows = activations.rows, columns = activations.columns
        let stream = MaskStream(seed: seed)
        let masked = ResidueMatrix.filled(rows: rows, columns: columns) { target in
            activations.elements.withUnsafeBufferPointer { source in
                ParallelRows.forEach(rows: rows, columns: columns) { range in
                    // Row by row: R's row is written into the output and masked in place while it is
                    // still in the core's cache, instead of the whole of R going out to memory and back.
                    for r in range {
                        let row = target + r * columns
                        stream.fillRow(r, into: row, count: columns)
                        sn_modp_quantize_and_mask(source.baseAddress! + r * columns, columns, 1 / scale, limit, row)
                    }
                }
            }
        }
        return Request(maskedInput: masked, seed: seed, inputScale: scale)
    }

    /// s_x for `activations` at `layer`'s activation width: max|x| / (2^(a−1) − 1), or 1 when all are 0.
    /// What `mask` uses and `unmask` needs back; a pure function of the batch, so a producer that
    /// resumes a job recomputes it instead of storing it. Throws `.nonFinite` for NaN or ±Inf.
    public static func inputScale(of activations: Matrix, for layer: MaskedLayer) throws -> Double {
        let (largest, nonfinite) = maxMagnitude(activations)
        guard nonfinite == 0 else {
            throw MaskedModeError.nonFinite(layer: layer.index, name: layer.name, what: "input activations")
        }
        return largest > 0 ? Double(largest) / Double(layer.bitWidths.activationLimit) : 1
    }

    /// max |x| over the finite entries and the count of NaN and infinite ones: one vectorized pass, rows
    /// split across cores (per-row results, combined here).
    static func maxMagnitude(_ matrix: Matrix) -> (largest: Float, nonfinite: Int) {
        let rows = matrix.rows, columns = matrix.columns
        guard rows > 0, columns > 0 else { return (0, 0) }
        var largest = [Float](repeating: 0, count: rows)
        var nonfinite = [Int](repeating: 0, count: rows)
        matrix.elements.withUnsafeBufferPointer { source in
            largest.withUnsafeMutableBufferPointer { largest in
                nonfinite.withUnsafeMutableBufferPointer { nonfinite in
                    let (values, largest, nonfinite) = (source.baseAddress!, largest.baseAddress!, nonfinite.baseAddress!)
                    ParallelRows.forEach(rows: rows, columns: columns) { range in
                        for r in range { nonfinite[r] = sn_modp_max_abs(values + r * columns, columns, largest + r) }
                    }
                }
            }
        }
        return (largest.max() ?? 0, nonfinite.reduce(0, +))
    }

    /// Ẑ = s_x·s_j·centre(Z_A − Z_B mod p) + b_j: the layer's pre-activations (B × N) in float32, from
    /// the data pool's `data` and the mask pool's `mask` products. Throws `MaskedModeError.shape`
    /// unless both are B × N for the layer.
    public static func unmask(data: ResidueMatrix, mask: ResidueMatrix, for layer: MaskedLayer,
                              inputScale: Double) throws -> Matrix {
        guard data.columns == layer.outputCount, mask.rows == data.rows, mask.columns == data.columns else {
            throw MaskedModeError.shape("layer \(layer.index) ('\(layer.name)') has \(layer.outputCount) outputs; data pool returned \(data.shapeDescription), mask pool \(mask.shapeDescription)")
        }
        let rows = data.rows, columns = data.columns
        let scales = layer.weightScales.map { Float(inputScale * $0) }
        // No zero fill: the kernel writes every element.
        let elements = [Float](unsafeUninitializedCapacity: rows * columns) { out, initialized in
            data.elements.withUnsafeBufferPointer { a in
                mask.elements.withUnsafeBufferPointer { b in
                    guard let out = out.baseAddress, let a = a.baseAddress, let b = b.baseAddress else { return }
                    ParallelRows.forEach(rows: rows, columns: columns) { range in
                        let start = range.lowerBound * columns
                        sn_modp_unmask_dequantize(a + start, b + start, range.count, columns, scales, layer.bias, out + start)
                    }
                }
            }
            initialized = rows * columns
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}
