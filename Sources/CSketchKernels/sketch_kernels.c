// Run-time choice between the kernel versions.
#include "sketch_kernels_internal.h"

sn_kernel_level sn_kernels_best_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2 && __builtin_cpu_supports("avx512f")) return SN_KERNELS_AVX512;
    if (avx2) return SN_KERNELS_AVX2_FMA;
#endif
    return SN_KERNELS_BASELINE;
}

/// Both kernels: magnitudes against a0, a1, or against |v0|, |v1| when those are NULL.
static sn_block_sums sn_block(sn_kernel_level level, sn_rows x, const double *v0, const double *v1,
                              const double *a0, const double *a1, size_t count, int rectified,
                              const float *slopes, sn_rows next) {
#if defined(__x86_64__)
    if (level == SN_KERNELS_AVX512) return sn_block_avx512(x, v0, v1, a0, a1, count, rectified, slopes, next);
    if (level == SN_KERNELS_AVX2_FMA) return sn_block_avx2(x, v0, v1, a0, a1, count, rectified, slopes, next);
#endif
    for (size_t j = 0; j < count; j += 16) sn_prefetch(next, 0, SN_BLOCK_ROWS, j);
    sn_block_sums sums;
    for (int i = 0; i < SN_BLOCK_ROWS; i++) {
        // A repeated row (the block's tail) has the sums of the row it repeats.
        sums.row[i] = i > 0 && x.row[i] == x.row[i - 1]
            ? sums.row[i - 1]
            : sn_row_baseline(x.row[i], v0, v1, a0, a1, count, rectified, slopes);
    }
    return sums;
}

sn_block_sums sn_products_and_magnitudes(sn_kernel_level level, sn_rows x, const double *v0, const double *v1,
                                         size_t count, sn_rows next) {
    return sn_block(level, x, v0, v1, NULL, NULL, count, 0, NULL, next);
}

sn_block_sums sn_products_with_magnitudes(sn_kernel_level level, sn_rows x, const double *v0, const double *v1,
                                          const double *a0, const double *a1, size_t count, int rectified,
                                          const float *slopes, sn_rows next) {
    return sn_block(level, x, v0, v1, a0, a1, count, rectified != 0, rectified ? NULL : slopes, next);
}
