import CModP

/// The producer's two steps around each masked layer (DESIGN §8): mask its input before it leaves,
/// unmask the pools' products when they return. Pure functions of their arguments and the seed.
public enum LayerMasking {
    /// What leaves the producer for one batch and layer, and the scales it keeps.
    public struct Request: Sendable {
        /// X̂ = (X_q + R) mod p, for the data pool.
        public let maskedInput: ResidueMatrix
        /// The seed of R, for the mask pool only.
        public let seed: MaskSeed
        /// s_x,i per row i: the activations' scales, kept by the producer for `unmask`.
        public let inputScales: [Double]

        /// The data pool's and the mask pool's inputs.
        public var dataPoolInput: PoolInput { .masked(maskedInput) }
        public var maskPoolInput: PoolInput { .seed(seed, rows: maskedInput.rows) }
    }

    /// Quantizes `activations` (B × K) at the layer's activation width with one scale per row,
    /// s_x,i = max_k |x_ik| / (2^(a−1) − 1) (1 for a row of zeros), x_q = round(x / s_x,i), and masks
    /// them with R expanded from `seed`: X̂ = (x_q + R) mod p. A row's scale is its own, so a row is
    /// quantized the same whatever batch it travels in, and a row of small values is not flattened by
    /// a large one beside it. Throws `MaskedModeError.shape` for the wrong width and `.nonFinite` for
    /// NaN or infinite activations.
    public static func mask(_ activations: Matrix, for layer: MaskedLayer, seed: MaskSeed = .random()) throws -> Request {
        guard activations.columns == layer.inputCount else {
            throw MaskedModeError.shape("layer \(layer.index) ('\(layer.name)') has \(layer.inputCount) inputs, the batch has \(activations.columns) columns")
        }
        let scales = try inputScales(of: activations, for: layer)
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
                        sn_modp_quantize_and_mask(source.baseAddress! + r * columns, columns, 1 / scales[r], limit, row)
                    }
                }
            }
        }
        return Request(maskedInput: masked, seed: seed, inputScales: scales)
    }

    /// s_x,i for each row of `activations` at `layer`'s activation width: max_k |x_ik| / (2^(a−1) − 1),
    /// or 1 for a row of zeros. What `mask` uses and `unmask` needs back; a pure function of the rows,
    /// so a producer that resumes a job recomputes it instead of storing it. Throws `.nonFinite` for
    /// NaN or ±Inf.
    public static func inputScales(of activations: Matrix, for layer: MaskedLayer) throws -> [Double] {
        let (largest, nonfinite) = rowMagnitudes(activations)
        guard nonfinite == 0 else {
            throw MaskedModeError.nonFinite(layer: layer.index, name: layer.name, what: "input activations")
        }
        let limit = Double(layer.bitWidths.activationLimit)
        return largest.map { $0 > 0 ? Double($0) / limit : 1 }
    }

    /// max_k |x_ik| of every row over its finite entries, and the count of NaN and infinite entries:
    /// one vectorized pass, rows split across cores.
    static func rowMagnitudes(_ matrix: Matrix) -> (largest: [Float], nonfinite: Int) {
        let rows = matrix.rows, columns = matrix.columns
        guard rows > 0, columns > 0 else { return ([Float](repeating: 0, count: rows), 0) }
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
        return (largest, nonfinite.reduce(0, +))
    }

    /// Ẑ_ij = s_x,i·s_j·centre(Z_A − Z_B mod p)_ij + b_j: the layer's pre-activations (B × N) in float32,
    /// from the data pool's `data` and the mask pool's `mask` products and the rows' `inputScales`.
    /// Throws `MaskedModeError.shape` unless both are B × N for the layer and there is a scale per row.
    public static func unmask(data: ResidueMatrix, mask: ResidueMatrix, for layer: MaskedLayer,
                              inputScales: [Double]) throws -> Matrix {
        guard data.columns == layer.outputCount, mask.rows == data.rows, mask.columns == data.columns,
              inputScales.count == data.rows else {
            throw MaskedModeError.shape("layer \(layer.index) ('\(layer.name)') has \(layer.outputCount) outputs; data pool returned \(data.shapeDescription), mask pool \(mask.shapeDescription)")
        }
        let rows = data.rows, columns = data.columns
        // No zero fill: the kernel writes every element.
        let elements = [Float](unsafeUninitializedCapacity: rows * columns) { out, initialized in
            data.elements.withUnsafeBufferPointer { a in
                mask.elements.withUnsafeBufferPointer { b in
                    guard let out = out.baseAddress, let a = a.baseAddress, let b = b.baseAddress else { return }
                    ParallelRows.forEach(rows: rows, columns: columns) { range in
                        var scales = [Float](repeating: 0, count: columns)
                        for r in range {
                            for j in 0..<columns { scales[j] = Float(inputScales[r] * layer.weightScales[j]) }
                            let start = r * columns
                            sn_modp_unmask_dequantize(a + start, b + start, 1, columns, scales, layer.bias, out + start)
                        }
                    }
                }
            }
            initialized = rows * columns
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}
