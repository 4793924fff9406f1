import COpenBLAS

/// Every matrix product in SecureNets goes through OpenBLAS: `sgemm` for plaintext float32 inference,
/// `dgemm` over exactly widened float32 operands for the worker's verifiable layers (DESIGN §4).
public enum BLAS {
    /// Sets OpenBLAS's thread count for the whole process (0 or less leaves OpenBLAS's default).
    public static func setThreadCount(_ count: Int) {
        guard count > 0 else { return }
        openblas_set_num_threads(Int32(count))
    }

    /// The thread count OpenBLAS uses now.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// `a · b` in float32 (`cblas_sgemm`): the plaintext path and the `fast` precision mode.
    public static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "product of \(a.shapeDescription) and \(b.shapeDescription)")
        var c = Matrix(rows: a.rows, columns: b.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(a.rows), Int32(b.columns), Int32(a.columns),
                                1, pa.baseAddress, Int32(a.columns),
                                pb.baseAddress, Int32(b.columns),
                                0, pc.baseAddress, Int32(b.columns))
                }
            }
        }
        return c
    }

    /// `a · b` accumulated in float64 and rounded once to float32.
    ///
    /// Every product of two float32 values is exact in float64, so the only errors are the float64
    /// summation (≤ γ_K·|a||b|) and the final rounding (≤ u₃₂·|result|): the bound `FreivaldsCheck` uses.
    public static func widenedProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "product of \(a.shapeDescription) and \(b.shapeDescription)")
        let wideA = a.elements.map(Double.init)
        let wideB = b.elements.map(Double.init)
        var wideC = [Double](repeating: 0, count: a.rows * b.columns)
        if a.rows > 0, b.columns > 0, a.columns > 0 {
            dgemm(wideA, rows: a.rows, inner: a.columns, wideB, columns: b.columns, into: &wideC)
        }
        return Matrix(rows: a.rows, columns: b.columns, elements: wideC.map(Float.init))
    }

    /// Row-major float64 `c = a · b` with `a` rows×inner and `b` inner×columns.
    public static func dgemm(_ a: [Double], rows: Int, inner: Int, _ b: [Double], columns: Int,
                             into c: inout [Double]) {
        precondition(a.count == rows * inner && b.count == inner * columns && c.count == rows * columns)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(rows), Int32(columns), Int32(inner),
                                1, pa.baseAddress, Int32(inner),
                                pb.baseAddress, Int32(columns),
                                0, pc.baseAddress, Int32(columns))
                }
            }
        }
    }
}
