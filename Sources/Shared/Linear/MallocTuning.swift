#if canImport(Glibc)
import Glibc
#endif

/// Process-wide glibc malloc settings for SecureNets processes: keep freed memory for the next batch.
///
/// Every batch allocates and frees the same large blocks (layer outputs, activations, float64
/// scratch). By default glibc maps blocks above a threshold afresh and returns freed heap tops to
/// the kernel, so the next batch pays a page fault and a zero fill per 4 KB page: about 0.6 ms per MB
/// on the machine of docs/BENCHMARKS.md, which made a fresh 4 MB layer output cost more than the
/// ReLU pass over it. Raising both thresholds keeps freed blocks in the heap for reuse, which is
/// what onnxruntime's arena does for its own tensors. The price: the process keeps its peak heap.
///
/// Call it once at startup, before the first batch; services that process many batches should.
public enum MallocTuning {
    /// Blocks up to `bytes` come from the heap and freed memory up to `bytes` is kept. Returns false
    /// where the settings could not be applied (a C library other than glibc).
    @discardableResult
    public static func retainFreedMemory(upTo bytes: Int32 = 1 << 30) -> Bool {
        #if canImport(Glibc)
        // mallopt is in <malloc.h>, which Swift's Glibc module does not export.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        return mallopt(mmapThreshold, bytes) == 1 && mallopt(trimThreshold, bytes) == 1
        #else
        return false
        #endif
    }
}
