// Portable version: what any C compiler builds for the baseline of its target, one row at a time.
#include "sketch_kernels_internal.h"

#include <math.h>

/// Always inlined with constant flags, so each caller gets its own (vectorizable) loop.
__attribute__((always_inline)) static inline sn_row_sums
sn_row(const float *x, const double *v0, const double *v1, const double *a0, const double *a1, size_t count,
       const int rectified, const float *slopes, const int magnitudes_of_v) {
    // Four independent chains per sum, so the adders are not waiting on one another.
    double s0[4] = {0}, t0[4] = {0}, s1[4] = {0}, t1[4] = {0};
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        for (int lane = 0; lane < 4; lane++) {
            double value = (double)sn_activated(x, j + lane, rectified, slopes);
            double magnitude = fabs(value);
            s0[lane] += value * v0[j + lane];
            t0[lane] += magnitude * (magnitudes_of_v ? fabs(v0[j + lane]) : a0[j + lane]);
            s1[lane] += value * v1[j + lane];
            t1[lane] += magnitude * (magnitudes_of_v ? fabs(v1[j + lane]) : a1[j + lane]);
        }
    }
    sn_row_sums sums = {
        (s0[0] + s0[1]) + (s0[2] + s0[3]), (t0[0] + t0[1]) + (t0[2] + t0[3]),
        (s1[0] + s1[1]) + (s1[2] + s1[3]), (t1[0] + t1[1]) + (t1[2] + t1[3]),
    };
    for (; j < count; j++) {
        double value = (double)sn_activated(x, j, rectified, slopes), magnitude = fabs(value);
        sums.signed0 += value * v0[j];
        sums.magnitude0 += magnitude * (magnitudes_of_v ? fabs(v0[j]) : a0[j]);
        sums.signed1 += value * v1[j];
        sums.magnitude1 += magnitude * (magnitudes_of_v ? fabs(v1[j]) : a1[j]);
    }
    return sums;
}

sn_row_sums sn_row_baseline(const float *x, const double *v0, const double *v1, const double *a0,
                            const double *a1, size_t count, int rectified, const float *slopes) {
    if (a0 == NULL) return sn_row(x, v0, v1, NULL, NULL, count, 0, NULL, 1);
    if (rectified) return sn_row(x, v0, v1, a0, a1, count, 1, NULL, 0);
    return slopes ? sn_row(x, v0, v1, a0, a1, count, 0, slopes, 0) : sn_row(x, v0, v1, a0, a1, count, 0, NULL, 0);
}
