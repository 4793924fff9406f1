import CSketchKernels

/// Which version of the verifier's row kernels runs: the widest this CPU supports, found once.
///
/// Every version computes the same sums within the bound (only the float64 summation order differs),
/// so the choice changes speed, never a verdict; tests run each version the machine has.
struct SketchKernels: Sendable, Equatable, CustomStringConvertible {
    let level: sn_kernel_level

    /// Portable C, for any CPU.
    static let baseline = SketchKernels(level: SN_KERNELS_BASELINE)
    /// The best version for this CPU (AVX-512, else AVX2 + FMA, where present).
    static let best = SketchKernels(level: sn_kernels_best_level())

    /// Every version this CPU can run, baseline first.
    static var available: [SketchKernels] {
        [SN_KERNELS_BASELINE, SN_KERNELS_AVX2_FMA, SN_KERNELS_AVX512].filter { $0.rawValue <= best.level.rawValue }
            .map(SketchKernels.init(level:))
    }

    var description: String {
        switch level {
        case SN_KERNELS_AVX512: "avx512"
        case SN_KERNELS_AVX2_FMA: "avx2+fma"
        default: "baseline"
        }
    }
}
