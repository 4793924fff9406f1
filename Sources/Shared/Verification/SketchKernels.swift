import CSketchKernels

/// Which version of the verifier's row kernels runs: the widest this CPU supports, found once.
///
/// Every version computes the same sums within the bound (only the float64 summation order differs),
/// so the choice changes speed, never a verdict; tests run each version the machine has.
struct SketchKernels: Sendable, Equatable, CustomStringConvertible {
    let level: sn_kernel_level

    /// Portable C, for any CPU.
    static let baseline = SketchKernels(level: SN_KERNELS_BASELINE)
    /// The best version for this CPU (AVX2 + FMA where present).
    static let best = SketchKernels(level: sn_kernels_best_level())

    /// Every version this CPU can run.
    static var available: [SketchKernels] { best == baseline ? [baseline] : [baseline, best] }

    var description: String { level == SN_KERNELS_AVX2_FMA ? "avx2+fma" : "baseline" }
}
