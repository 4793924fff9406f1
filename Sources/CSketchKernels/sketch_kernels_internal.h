// Shared by the kernel versions; not part of the module's interface.
#ifndef SECURENETS_SKETCH_KERNELS_INTERNAL_H
#define SECURENETS_SKETCH_KERNELS_INTERNAL_H

#include "sketch_kernels.h"

#include <stdint.h>
#include <string.h>

/// ReLU as the verifier rebuilds it: +0 for every entry whose sign bit is set (negative numbers, -0
/// and NaNs with the sign bit), the entry itself otherwise. Equal to the worker's `x > 0 ? x : 0`
/// for every value but a NaN with a clear sign bit, and a NaN in Z fails Z's own check first.
static inline float sn_rectify(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits &= ~(uint32_t)((int32_t)bits >> 31);  // branch-free, so the baseline loops vectorize
    memcpy(&x, &bits, sizeof bits);
    return x;
}

/// Asks for the cache line of each next row at column `j`, once per line (16 floats).
static inline void sn_prefetch(sn_prefetch_rows next, size_t j) {
    if (next.first == NULL || (j & 15) != 0) return;
    __builtin_prefetch(next.first + j);
    __builtin_prefetch(next.second + j);
}

sn_row_sums sn_products_and_magnitudes_baseline(const float *x, const double *v0, const double *v1,
                                                size_t count);
sn_row_sums sn_products_with_magnitudes_baseline(const float *x, const double *v0, const double *v1,
                                                 const double *a0, const double *a1, size_t count,
                                                 int rectified);
#if defined(__x86_64__)
sn_row_pair_sums sn_products_and_magnitudes_avx2(const float *x0, const float *x1, const double *v0,
                                                 const double *v1, size_t count, sn_prefetch_rows next);
sn_row_pair_sums sn_products_with_magnitudes_avx2(const float *x0, const float *x1, const double *v0,
                                                  const double *v1, const double *a0, const double *a1,
                                                  size_t count, int rectified, sn_prefetch_rows next);
#endif

#endif
