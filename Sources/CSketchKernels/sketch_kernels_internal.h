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

/// LeakyReLU or PRelu as the worker computes it: x >= 0 ? x : slope * x, in float32 (a NaN stays NaN).
static inline float sn_slope(float x, float slope) {
    return x >= 0 ? x : slope * x;
}

/// Entry j of a row as the next layer's input: ReLU'd when `rectified`, sloped when `slopes` is set.
static inline float sn_activated(const float *x, size_t j, int rectified, const float *slopes) {
    return rectified ? sn_rectify(x[j]) : (slopes ? sn_slope(x[j], slopes[j]) : x[j]);
}

/// Asks for the cache line of rows `first..<first + count` of `next` at column `j`, once per line
/// (16 floats), unless there is no next block.
static inline void sn_prefetch(sn_rows next, int first, int count, size_t j) {
    if (next.row[0] == NULL || (j & 15) != 0) return;
    for (int i = first; i < first + count; i++) __builtin_prefetch(next.row[i] + j);
}

/// One row's four sums over the scalar tail `from..<count` of the vector versions, continuing `sums`;
/// the magnitude vectors are |v0|, |v1| when `a0` and `a1` are NULL.
static inline void sn_tail(sn_row_sums *sums, const float *x, const double *v0, const double *v1,
                           const double *a0, const double *a1, size_t from, size_t count, int rectified,
                           const float *slopes) {
    for (size_t j = from; j < count; j++) {
        double value = (double)sn_activated(x, j, rectified, slopes);
        double magnitude = value < 0 ? -value : value;
        double m0 = a0 ? a0[j] : (v0[j] < 0 ? -v0[j] : v0[j]), m1 = a1 ? a1[j] : (v1[j] < 0 ? -v1[j] : v1[j]);
        sums->signed0 += value * v0[j];
        sums->magnitude0 += magnitude * m0;
        sums->signed1 += value * v1[j];
        sums->magnitude1 += magnitude * m1;
    }
}

/// One row; the magnitude vectors are |v0|, |v1| when `a0` and `a1` are NULL.
sn_row_sums sn_row_baseline(const float *x, const double *v0, const double *v1, const double *a0,
                            const double *a1, size_t count, int rectified, const float *slopes);

#if defined(__x86_64__)
sn_block_sums sn_block_avx2(sn_rows x, const double *v0, const double *v1, const double *a0, const double *a1,
                            size_t count, int rectified, const float *slopes, sn_rows next);
sn_block_sums sn_block_avx512(sn_rows x, const double *v0, const double *v1, const double *a0, const double *a1,
                              size_t count, int rectified, const float *slopes, sn_rows next);
#endif

#endif
