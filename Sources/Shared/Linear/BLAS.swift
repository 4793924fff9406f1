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

    /// OpenBLAS's version, build options and the kernel set it picked for this CPU, for reports
    /// (e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64").
    public static var configuration: String {
        String(cString: openblas_get_config())
    }

    /// `a · b` in float32 (`cblas_sgemm`): the plaintext path and the `fast` precision mode.
    public static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "product of \(a.shapeDescription) and \(b.shapeDescription)")
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return Matrix(rows: a.rows, columns: b.columns) }
        // No zero fill: with beta = 0, BLAS does not read C (the reference BLAS contract), and a
        // zero fill would be one more pass over the whole output.
        let c = [Float](unsafeUninitializedCapacity: a.rows * b.columns) { pc, initialized in
            a.elements.withUnsafeBufferPointer { pa in
                b.elements.withUnsafeBufferPointer { pb in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(a.rows), Int32(b.columns), Int32(a.columns),
                                1, pa.baseAddress, Int32(a.columns),
                                pb.baseAddress, Int32(b.columns),
                                0, pc.baseAddress, Int32(b.columns))
                }
            }
            initialized = a.rows * b.columns
        }
        return Matrix(rows: a.rows, columns: b.columns, elements: c)
    }

    /// `a · b` accumulated in float64 and rounded once to float32.
    ///
    /// Every product of two float32 values is exact in float64, so the only errors are the float64
    /// summation (≤ γ_K·|a||b|) and the final rounding (≤ u₃₂·|result|): the bound `FreivaldsCheck` uses.
    public static func widenedProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "product of \(a.shapeDescription) and \(b.shapeDescription)")
        return ScratchPool.shared.withBuffer(count: b.elements.count) { wideB in
            b.elements.withUnsafeBufferPointer { source in
                if let from = source.baseAddress {
                    Widening.widen(from, stride: b.columns, into: wideB, stride: b.columns, rows: b.rows, columns: b.columns)
                }
            }
            return widenedProduct(a, widened: UnsafeBufferPointer(start: wideB, count: b.elements.count), columns: b.columns)
        }
    }

    /// `widenedProduct(a, b)` with `b` (a.columns × `columns`) already widened, as a layer's cached
    /// float64 weights are. One `dgemm` over the whole product: splitting it into tiles to save the
    /// float64 copies measured slower, because OpenBLAS then packs and synchronizes per tile.
    static func widenedProduct(_ a: Matrix, widened b: UnsafeBufferPointer<Double>, columns: Int) -> Matrix {
        let rows = a.rows, inner = a.columns
        precondition(b.count == inner * columns)
        guard rows > 0, columns > 0, inner > 0, let b = b.baseAddress else { return Matrix(rows: rows, columns: columns) }
        let elements = ScratchPool.shared.withBuffer(count: rows * inner) { wideA in
            ScratchPool.shared.withBuffer(count: rows * columns) { wideC in
                a.elements.withUnsafeBufferPointer { source in
                    Widening.widen(source.baseAddress!, stride: inner, into: wideA, stride: inner, rows: rows, columns: inner)
                }
                dgemm(wideA, b, into: wideC, rows: rows, inner: inner, columns: columns)
                return [Float](unsafeUninitializedCapacity: rows * columns) { output, initialized in
                    Widening.narrow(wideC, stride: columns, into: output.baseAddress!, stride: columns,
                                    rows: rows, columns: columns)
                    initialized = rows * columns
                }
            }
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }

    /// Row-major float64 `c = a · b` over raw buffers, `a` rows × inner and `b` inner × columns
    /// (all three non-zero); `c` is only written.
    static func dgemm(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                      rows: Int, inner: Int, columns: Int) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(inner),
                    1, a, Int32(inner), b, Int32(columns), 0, c, Int32(columns))
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
