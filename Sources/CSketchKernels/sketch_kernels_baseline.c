// Portable versions: what any C compiler builds for the baseline of its target.
#include "sketch_kernels_internal.h"

#include <math.h>

sn_row_sums sn_products_and_magnitudes_baseline(const float *x, const double *v0, const double *v1,
                                                size_t count) {
    // Four independent chains per sum, so the adders are not waiting on one another.
    double s0[4] = {0}, t0[4] = {0}, s1[4] = {0}, t1[4] = {0};
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        for (int lane = 0; lane < 4; lane++) {
            double value = (double)x[j + lane];
            double p0 = value * v0[j + lane], p1 = value * v1[j + lane];
            s0[lane] += p0;
            t0[lane] += fabs(p0);
            s1[lane] += p1;
            t1[lane] += fabs(p1);
        }
    }
    sn_row_sums sums = {
        (s0[0] + s0[1]) + (s0[2] + s0[3]), (t0[0] + t0[1]) + (t0[2] + t0[3]),
        (s1[0] + s1[1]) + (s1[2] + s1[3]), (t1[0] + t1[1]) + (t1[2] + t1[3]),
    };
    for (; j < count; j++) {
        double value = (double)x[j];
        double p0 = value * v0[j], p1 = value * v1[j];
        sums.signed0 += p0;
        sums.magnitude0 += fabs(p0);
        sums.signed1 += p1;
        sums.magnitude1 += fabs(p1);
    }
    return sums;
}

sn_row_sums sn_products_with_magnitudes_baseline(const float *x, const double *v0, const double *v1,
                                                 const double *a0, const double *a1, size_t count,
                                                 int rectified) {
    double s0[4] = {0}, t0[4] = {0}, s1[4] = {0}, t1[4] = {0};
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        for (int lane = 0; lane < 4; lane++) {
            float entry = rectified ? sn_rectify(x[j + lane]) : x[j + lane];
            double value = (double)entry, magnitude = fabs(value);
            s0[lane] += value * v0[j + lane];
            t0[lane] += magnitude * a0[j + lane];
            s1[lane] += value * v1[j + lane];
            t1[lane] += magnitude * a1[j + lane];
        }
    }
    sn_row_sums sums = {
        (s0[0] + s0[1]) + (s0[2] + s0[3]), (t0[0] + t0[1]) + (t0[2] + t0[3]),
        (s1[0] + s1[1]) + (s1[2] + s1[3]), (t1[0] + t1[1]) + (t1[2] + t1[3]),
    };
    for (; j < count; j++) {
        float entry = rectified ? sn_rectify(x[j]) : x[j];
        double value = (double)entry, magnitude = fabs(value);
        sums.signed0 += value * v0[j];
        sums.magnitude0 += magnitude * a0[j];
        sums.signed1 += value * v1[j];
        sums.magnitude1 += magnitude * a1[j];
    }
    return sums;
}
