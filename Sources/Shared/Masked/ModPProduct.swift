import CModP
import COpenBLAS

/// Z = X · W_q mod p, exactly, with `cblas_dgemm`: what each pool computes (X = X̂ for the data pool,
/// X = R for the mask pool).
///
/// X's residues (< 2³¹) and W_q's signed integers are widened to float64, where every product and
/// every partial sum of a chunk of `chunkLength` terms is an integer of magnitude ≤ 2⁵³ and so is
/// computed exactly, in any summation order, with or without fused multiply-add. Each chunk's result
/// is reduced mod p and the chunks are added mod p. Layers within `MaskedBitWidths` need a single
/// chunk; the chunking makes the product exact for any weights `QuantizedWeights` admits.
public enum ModPProduct {
    /// X · W mod p. Throws `MaskedModeError.shape` when X's columns are not W's rows.
    public static func multiply(_ x: ResidueMatrix, _ w: QuantizedWeights) throws -> ResidueMatrix {
        guard x.columns == w.rows else {
            throw MaskedModeError.shape("input is \(x.shapeDescription), weights are \(w.shapeDescription)")
        }
        let rows = x.rows, inner = x.columns, columns = w.columns
        guard rows > 0 else { return ResidueMatrix(rows: 0, columns: columns, checkedElements: []) }
        let chunk = chunkLength(inner: inner, maxMagnitude: w.maxMagnitude)
        return ScratchPool.shared.withBuffer(count: rows * inner) { wideX in
            ScratchPool.shared.withBuffer(count: rows * columns) { wideZ in
                x.elements.withUnsafeBufferPointer { source in
                    ParallelRows.forEach(rows: rows, columns: inner) { range in
                        sn_modp_widen(source.baseAddress! + range.lowerBound * inner, wideX + range.lowerBound * inner,
                                      range.count * inner)
                    }
                }
                return ResidueMatrix.filled(rows: rows, columns: columns) { result in
                    w.widened.withUnsafeBufferPointer { wideW in
                        var partial: [UInt32] = []
                        for start in stride(from: 0, to: inner, by: chunk) {
                            let length = min(chunk, inner - start)
                            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                        Int32(rows), Int32(columns), Int32(length),
                                        1, wideX + start, Int32(inner),
                                        wideW.baseAddress! + start * columns, Int32(columns),
                                        0, wideZ, Int32(columns))
                            if start == 0 {
                                reduce(wideZ, into: result, rows: rows, columns: columns)
                            } else {
                                if partial.isEmpty { partial = [UInt32](repeating: 0, count: rows * columns) }
                                partial.withUnsafeMutableBufferPointer { p in
                                    reduce(wideZ, into: p.baseAddress!, rows: rows, columns: columns)
                                    sn_modp_add_into(result, p.baseAddress!, rows * columns)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The most terms a float64 dot product of residues (< 2³¹) with weights of magnitude ≤
    /// `maxMagnitude` can sum exactly: ⌊2⁵³ / ((p − 1)·maxMagnitude)⌋, at most `inner`.
    static func chunkLength(inner: Int, maxMagnitude: Int32) -> Int {
        guard maxMagnitude > 0 else { return max(inner, 1) }
        let exact = (UInt64(1) << 53) / (UInt64(PrimeField.modulus - 1) * UInt64(maxMagnitude))
        return Int(min(UInt64(max(inner, 1)), max(exact, 1)))
    }

    private static func reduce(_ source: UnsafeMutablePointer<Double>, into target: UnsafeMutablePointer<UInt32>,
                               rows: Int, columns: Int) {
        ParallelRows.forEach(rows: rows, columns: columns) { range in
            sn_modp_reduce_exact_doubles(source + range.lowerBound * columns, target + range.lowerBound * columns,
                                         range.count * columns)
        }
    }
}
