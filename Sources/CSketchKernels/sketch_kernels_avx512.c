// AVX-512 version, compiled for those units by function attribute and only ever called after
// `sn_kernels_best_level` found them on the CPU.
//
// Four rows at a time, eight columns per step: the sixteen sums (four rows x four) live in half of
// the 32 registers, and each vector entry loaded serves four rows, half the vector traffic of the
// AVX2 version. On Zen 4, which runs 512-bit operations as two 256-bit halves, this measured about
// a third faster than AVX2 on data in cache and a fifth from DRAM (docs/BENCHMARKS.md).
#if defined(__x86_64__)
#include "sketch_kernels_internal.h"

#include <immintrin.h>

#define SN_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define SN_AVX512_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

/// Eight float32 entries widened to float64, ReLU'd first (sign bit set -> +0) when `rectified`, or
/// sloped (x >= 0 ? x : s * x, in float32) by the eight `slopes` when those are set.
SN_AVX512_INLINE __m512d sn_load_widened(const float *x, const int rectified, const float *slopes) {
    __m256i bits = _mm256_loadu_si256((const __m256i *)x);
    if (rectified) bits = _mm256_andnot_si256(_mm256_srai_epi32(bits, 31), bits);
    __m256 values = _mm256_castsi256_ps(bits);
    if (slopes) {
        __m256 nonNegative = _mm256_cmp_ps(values, _mm256_setzero_ps(), _CMP_GE_OQ);  // false for NaN, as in C
        values = _mm256_blendv_ps(_mm256_mul_ps(values, _mm256_loadu_ps(slopes)), values, nonNegative);
    }
    return _mm512_cvtps_pd(values);
}

/// Always inlined with constant flags, so each caller gets its own loop.
SN_AVX512_INLINE sn_block_sums sn_block(sn_rows x, const double *v0, const double *v1, const double *a0,
                                        const double *a1, size_t count, const int rectified,
                                        const float *slopes, const int magnitudes_of_v, sn_rows next) {
    __m512d s0[SN_BLOCK_ROWS], t0[SN_BLOCK_ROWS], s1[SN_BLOCK_ROWS], t1[SN_BLOCK_ROWS];
    for (int i = 0; i < SN_BLOCK_ROWS; i++) s0[i] = t0[i] = s1[i] = t1[i] = _mm512_setzero_pd();
    size_t j = 0;
    for (; j + 8 <= count; j += 8) {
        sn_prefetch(next, 0, SN_BLOCK_ROWS, j);
        __m512d r0 = _mm512_loadu_pd(v0 + j), r1 = _mm512_loadu_pd(v1 + j);
        __m512d m0 = magnitudes_of_v ? _mm512_abs_pd(r0) : _mm512_loadu_pd(a0 + j);
        __m512d m1 = magnitudes_of_v ? _mm512_abs_pd(r1) : _mm512_loadu_pd(a1 + j);
        for (int i = 0; i < SN_BLOCK_ROWS; i++) {
            __m512d y = sn_load_widened(x.row[i] + j, rectified, slopes ? slopes + j : NULL);
            // ReLU'd entries are never negative, so their magnitude is the entry itself.
            __m512d magnitude = rectified ? y : _mm512_abs_pd(y);
            s0[i] = _mm512_fmadd_pd(y, r0, s0[i]);
            t0[i] = _mm512_fmadd_pd(magnitude, m0, t0[i]);
            s1[i] = _mm512_fmadd_pd(y, r1, s1[i]);
            t1[i] = _mm512_fmadd_pd(magnitude, m1, t1[i]);
        }
    }
    sn_block_sums sums;
    for (int i = 0; i < SN_BLOCK_ROWS; i++) {
        sn_row_sums row = {_mm512_reduce_add_pd(s0[i]), _mm512_reduce_add_pd(t0[i]),
                           _mm512_reduce_add_pd(s1[i]), _mm512_reduce_add_pd(t1[i])};
        sn_tail(&row, x.row[i], v0, v1, magnitudes_of_v ? NULL : a0, magnitudes_of_v ? NULL : a1, j, count,
                rectified, slopes);
        sums.row[i] = row;
    }
    return sums;
}

SN_AVX512 sn_block_sums sn_block_avx512(sn_rows x, const double *v0, const double *v1, const double *a0,
                                        const double *a1, size_t count, int rectified, const float *slopes,
                                        sn_rows next) {
    if (a0 == NULL) return sn_block(x, v0, v1, NULL, NULL, count, 0, NULL, 1, next);
    if (rectified) return sn_block(x, v0, v1, a0, a1, count, 1, NULL, 0, next);
    return slopes ? sn_block(x, v0, v1, a0, a1, count, 0, slopes, 0, next)
                  : sn_block(x, v0, v1, a0, a1, count, 0, NULL, 0, next);
}
#endif
