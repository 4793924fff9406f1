// Run-time choice between the kernel versions.
#include "sketch_kernels_internal.h"

sn_kernel_level sn_kernels_best_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SN_KERNELS_AVX2_FMA;
#endif
    return SN_KERNELS_BASELINE;
}

sn_row_pair_sums sn_products_and_magnitudes(sn_kernel_level level, const float *x0, const float *x1,
                                            const double *v0, const double *v1, size_t count,
                                            sn_prefetch_rows next) {
#if defined(__x86_64__)
    if (level == SN_KERNELS_AVX2_FMA) return sn_products_and_magnitudes_avx2(x0, x1, v0, v1, count, next);
#endif
    for (size_t j = 0; j < count; j += 16) sn_prefetch(next, j);
    sn_row_pair_sums sums = {sn_products_and_magnitudes_baseline(x0, v0, v1, count),
                             sn_products_and_magnitudes_baseline(x1, v0, v1, count)};
    return sums;
}

sn_row_pair_sums sn_products_with_magnitudes(sn_kernel_level level, const float *x0, const float *x1,
                                             const double *v0, const double *v1, const double *a0,
                                             const double *a1, size_t count, int rectified,
                                             sn_prefetch_rows next) {
#if defined(__x86_64__)
    if (level == SN_KERNELS_AVX2_FMA) {
        return sn_products_with_magnitudes_avx2(x0, x1, v0, v1, a0, a1, count, rectified, next);
    }
#endif
    for (size_t j = 0; j < count; j += 16) sn_prefetch(next, j);
    sn_row_pair_sums sums = {sn_products_with_magnitudes_baseline(x0, v0, v1, a0, a1, count, rectified),
                             sn_products_with_magnitudes_baseline(x1, v0, v1, a0, a1, count, rectified)};
    return sums;
}
