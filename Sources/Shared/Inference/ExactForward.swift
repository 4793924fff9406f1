/// The worker's `exact` forward pass through a segment, with one pass over each layer's product.
///
/// Layer by layer, `Precision.exact.product` followed by `Activation.applied` reads each float64
/// product three times: to round it to the float32 output Ẑ, to apply σ, and to widen σ(Ẑ) again for
/// the next `dgemm`. Here one pass writes both Ẑ (what the verifier checks) and the next float64
/// input Double(σ(Ẑ)), and the float64 batch and accumulator stay in two reused buffers. Every number
/// is bit for bit what the layer-by-layer composition gives (same widened operands, same `dgemm`).
enum ExactForward {
    /// Every pre-activation Ẑ of `layers` on `input`, whose shapes must chain (the caller checks).
    static func run(input: Matrix, layers: ArraySlice<BlindedLayer>) -> [Matrix] {
        let rows = input.rows
        let shapes = layers.map { (inner: $0.weights.rows, columns: $0.weights.columns) }
        // Empty products have nothing to fuse; the plain composition handles them.
        guard rows > 0, shapes.allSatisfy({ $0.inner > 0 && $0.columns > 0 }) else {
            return BlindedForward.layerByLayer(input: input, layers: layers, precision: .exact)
        }
        let widestInput = shapes.map(\.inner).max() ?? 0, widestOutput = shapes.map(\.columns).max() ?? 0

        return ScratchPool.shared.withBuffer(count: rows * widestInput) { batch in
            ScratchPool.shared.withBuffer(count: rows * widestOutput) { product in
                input.elements.withUnsafeBufferPointer { source in
                    Widening.widen(source.baseAddress!, stride: input.columns, into: batch, stride: input.columns,
                                   rows: rows, columns: input.columns)
                }
                var outputs: [Matrix] = []
                outputs.reserveCapacity(layers.count)
                for (offset, layer) in layers.enumerated() {
                    let (inner, columns) = shapes[offset]
                    layer.widenedWeights.elements(of: layer.weights).withUnsafeBufferPointer { weights in
                        BLAS.dgemm(batch, weights.baseAddress!, into: product, rows: rows, inner: inner, columns: columns)
                    }
                    let isLast = offset == layers.count - 1
                    let count = rows * columns
                    let z = [Float](unsafeUninitializedCapacity: count) { target, initialized in
                        if isLast {
                            Widening.narrow(product, stride: columns, into: target.baseAddress!, stride: columns,
                                            rows: rows, columns: columns)
                        } else {
                            // The next layer's input overwrites this layer's, which the product no longer needs.
                            Widening.narrowActivatingAndWidening(product, into: target.baseAddress!, next: batch,
                                                                 count: count, activation: layer.activation)
                        }
                        initialized = count
                    }
                    outputs.append(Matrix(rows: rows, columns: columns, elements: z))
                }
                return outputs
            }
        }
    }
}
