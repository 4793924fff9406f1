// AVX2 + FMA version, compiled for those units by function attribute (not by a flag for the whole
// file or target), and only ever called after `sn_kernels_best_level` found them on the CPU.
//
// Two rows at a time, four columns per step: the eight sums (two rows x four) are eight independent
// FMA chains, enough to keep both FMA units busy, and fill half of the sixteen registers.
#if defined(__x86_64__)
#include "sketch_kernels_internal.h"

#include <immintrin.h>

#define SN_AVX2 __attribute__((target("avx2,fma")))
#define SN_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

SN_AVX2_INLINE __m256d sn_abs(__m256d v) {
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), v);
}

SN_AVX2_INLINE double sn_sum(__m256d v) {
    __m128d half = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)));
}

/// Four float32 entries widened to float64, ReLU'd first (sign bit set -> +0) when `rectified`, or
/// sloped (x >= 0 ? x : s * x, in float32) by the four `slopes` when those are set.
SN_AVX2_INLINE __m256d sn_load_widened(const float *x, const int rectified, const float *slopes) {
    __m128i bits = _mm_loadu_si128((const __m128i *)x);
    if (rectified) bits = _mm_andnot_si128(_mm_srai_epi32(bits, 31), bits);
    __m128 values = _mm_castsi128_ps(bits);
    if (slopes) {
        __m128 nonNegative = _mm_cmp_ps(values, _mm_setzero_ps(), _CMP_GE_OQ);  // false for NaN, as in C
        values = _mm_blendv_ps(_mm_mul_ps(values, _mm_loadu_ps(slopes)), values, nonNegative);
    }
    return _mm256_cvtps_pd(values);
}

/// Rows `first` and `first + 1` of the block into `sums`. Always inlined with constant flags, so
/// each caller gets its own loop.
SN_AVX2_INLINE void sn_pair(sn_block_sums *sums, sn_rows x, int first, const double *v0, const double *v1,
                            const double *a0, const double *a1, size_t count, const int rectified,
                            const float *slopes, const int magnitudes_of_v, sn_rows next) {
    const float *x0 = x.row[first], *x1 = x.row[first + 1];
    __m256d s0a = _mm256_setzero_pd(), t0a = s0a, s1a = s0a, t1a = s0a;  // row x0
    __m256d s0b = s0a, t0b = s0a, s1b = s0a, t1b = s0a;                  // row x1
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        sn_prefetch(next, first, 2, j);
        const float *s = slopes ? slopes + j : NULL;
        __m256d a = sn_load_widened(x0 + j, rectified, s), b = sn_load_widened(x1 + j, rectified, s);
        // ReLU'd entries are never negative, so their magnitude is the entry itself.
        __m256d absA = rectified ? a : sn_abs(a), absB = rectified ? b : sn_abs(b);
        __m256d r0 = _mm256_loadu_pd(v0 + j), r1 = _mm256_loadu_pd(v1 + j);
        __m256d m0 = magnitudes_of_v ? sn_abs(r0) : _mm256_loadu_pd(a0 + j);
        __m256d m1 = magnitudes_of_v ? sn_abs(r1) : _mm256_loadu_pd(a1 + j);
        s0a = _mm256_fmadd_pd(a, r0, s0a);
        t0a = _mm256_fmadd_pd(absA, m0, t0a);
        s1a = _mm256_fmadd_pd(a, r1, s1a);
        t1a = _mm256_fmadd_pd(absA, m1, t1a);
        s0b = _mm256_fmadd_pd(b, r0, s0b);
        t0b = _mm256_fmadd_pd(absB, m0, t0b);
        s1b = _mm256_fmadd_pd(b, r1, s1b);
        t1b = _mm256_fmadd_pd(absB, m1, t1b);
    }
    sn_row_sums first_sums = {sn_sum(s0a), sn_sum(t0a), sn_sum(s1a), sn_sum(t1a)};
    sn_row_sums second_sums = {sn_sum(s0b), sn_sum(t0b), sn_sum(s1b), sn_sum(t1b)};
    sn_tail(&first_sums, x0, v0, v1, a0, a1, j, count, rectified, slopes);
    sn_tail(&second_sums, x1, v0, v1, a0, a1, j, count, rectified, slopes);
    sums->row[first] = first_sums;
    sums->row[first + 1] = second_sums;
}

SN_AVX2_INLINE sn_block_sums sn_block(sn_rows x, const double *v0, const double *v1, const double *a0,
                                      const double *a1, size_t count, const int rectified, const float *slopes,
                                      const int magnitudes_of_v, sn_rows next) {
    sn_block_sums sums;
    sn_pair(&sums, x, 0, v0, v1, a0, a1, count, rectified, slopes, magnitudes_of_v, next);
    if (x.row[2] == x.row[1]) {  // a tail block of at most two rows
        sums.row[2] = sums.row[3] = sums.row[1];
    } else {
        sn_pair(&sums, x, 2, v0, v1, a0, a1, count, rectified, slopes, magnitudes_of_v, next);
    }
    return sums;
}

SN_AVX2 sn_block_sums sn_block_avx2(sn_rows x, const double *v0, const double *v1, const double *a0,
                                    const double *a1, size_t count, int rectified, const float *slopes,
                                    sn_rows next) {
    if (a0 == NULL) return sn_block(x, v0, v1, NULL, NULL, count, 0, NULL, 1, next);
    if (rectified) return sn_block(x, v0, v1, a0, a1, count, 1, NULL, 0, next);
    return slopes ? sn_block(x, v0, v1, a0, a1, count, 0, slopes, 0, next)
                  : sn_block(x, v0, v1, a0, a1, count, 0, NULL, 0, next);
}
#endif
