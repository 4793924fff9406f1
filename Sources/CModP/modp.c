#include "modp.h"

#include <float.h>
#include <math.h>
#include <string.h>

// The loops below are plain C that compilers vectorize; on x86-64 each hot one is also compiled for
// AVX2 and for AVX-512 (x86-64-v4), and the loader picks the widest the CPU has (an ifunc). The
// results are the same in every version: integer arithmetic, and float operations that do not depend
// on the vector width.
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define SN_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
#endif
#ifndef SN_CLONES
#define SN_CLONES
#endif

SN_CLONES void sn_modp_widen(const uint32_t *source, double *target, size_t count) {
    for (size_t i = 0; i < count; i++) target[i] = (double)source[i];
}

void sn_modp_widen_signed(const int32_t *source, double *target, size_t count) {
    for (size_t i = 0; i < count; i++) target[i] = (double)source[i];
}

// p * 2^23 = 2^54 - 2^23: a multiple of p above 2^53, so adding it makes any |x| <= 2^53 non-negative
// without changing x mod p.
#define SN_MODP_OFFSET (((uint64_t)SN_MODP_P) << 23)

SN_CLONES void sn_modp_reduce_exact_doubles(const double *source, uint32_t *target, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint64_t shifted = (uint64_t)((int64_t)source[i] + (int64_t)SN_MODP_OFFSET);
        target[i] = sn_modp_reduce64(shifted);
    }
}

SN_CLONES void sn_modp_add_into(uint32_t *accumulator, const uint32_t *addend, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t sum = accumulator[i] + addend[i];  // < 2^32: both are < 2^31
        accumulator[i] = sum >= SN_MODP_P ? sum - SN_MODP_P : sum;
    }
}

SN_CLONES size_t sn_modp_count_noncanonical(const uint32_t *values, size_t count) {
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) bad += values[i] >= SN_MODP_P;
    return bad;
}

// a * b folded once: below 2^32 for residues a, b (a * b < 2^62).
static inline uint64_t folded_product(uint32_t a, uint32_t b) {
    uint64_t product = (uint64_t)a * b;
    return (product & SN_MODP_P) + (product >> 31);
}

SN_CLONES void sn_modp_matvec2(const uint32_t *matrix, size_t rows, size_t columns, size_t stride,
                     const uint32_t *v0, const uint32_t *v1, uint32_t *out0, uint32_t *out1) {
    for (size_t i = 0; i < rows; i++) {
        const uint32_t *row = matrix + i * stride;
        uint64_t sum0 = 0, sum1 = 0;
        for (size_t j = 0; j < columns; j++) {
            sum0 += folded_product(row[j], v0[j]);
            sum1 += folded_product(row[j], v1[j]);
        }
        out0[i] = sn_modp_reduce64(sum0);
        out1[i] = sn_modp_reduce64(sum1);
    }
}

// One value: x_q = round(x * inverse_scale) clamped to [-bound, bound], plus mask, mod p.
static inline uint32_t sn_modp_quantize_one(float value, double inverse_scale, double bound, uint32_t mask) {
    double scaled = (double)value * inverse_scale;
    scaled = scaled > bound ? bound : (scaled < -bound ? -bound : scaled);
    // Half away from zero, without a libm call, so the loop vectorizes. |scaled| <= limit < 2^30,
    // so the 32-bit conversion is exact (and has a vector instruction, where 64 bits has none below
    // AVX-512).
    int32_t quantized = (int32_t)(scaled + (scaled >= 0 ? 0.5 : -0.5));
    // The residue of quantized, plus mask: both below p, so the sum is below 2p < 2^32.
    uint32_t residue = quantized >= 0 ? (uint32_t)quantized : (uint32_t)(quantized + (int32_t)SN_MODP_P);
    uint32_t sum = residue + mask;
    return sum >= SN_MODP_P ? sum - SN_MODP_P : sum;
}

// One pointer for the mask and the result, as the producer calls it: with two pointers, called in
// place, the vectorizer's run-time overlap check failed (the two are equal) and every element took
// the scalar loop.
SN_CLONES void sn_modp_quantize_and_mask(const float *values, size_t count, double inverse_scale, int32_t limit,
                                         uint32_t *mask) {
    const double bound = (double)limit;
    for (size_t i = 0; i < count; i++) mask[i] = sn_modp_quantize_one(values[i], inverse_scale, bound, mask[i]);
}

SN_CLONES void sn_modp_unmask_dequantize(const uint32_t *data, const uint32_t *mask, size_t rows, size_t columns,
                               const float *scale, const float *bias, float *out) {
    const uint32_t half = SN_MODP_P / 2;  // (p - 1) / 2: residues above it stand for negative values
    for (size_t r = 0; r < rows; r++) {
        const uint32_t *a = data + r * columns, *b = mask + r * columns;
        float *y = out + r * columns;
        for (size_t c = 0; c < columns; c++) {
            uint32_t difference = a[c] >= b[c] ? a[c] - b[c] : a[c] + (SN_MODP_P - b[c]);
            int32_t centred = difference > half ? (int32_t)difference - (int32_t)SN_MODP_P : (int32_t)difference;
            y[c] = (float)centred * scale[c] + bias[c];
        }
    }
}

SN_CLONES size_t sn_modp_max_abs(const float *values, size_t count, float *largest) {
    // On the bits: for non-negative floats (|x| clears the sign) the IEEE order is the integer order
    // of the bit patterns, and an integer maximum vectorizes where a float one would need fast-math.
    // Patterns from 0x7f800000 up are infinity and NaN.
    typedef uint32_t __attribute__((may_alias)) float_bits;  // reading a float's bits is not aliasing UB
    const float_bits *bits = (const float_bits *)values;
    uint32_t best = 0;
    size_t nonfinite = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t magnitude = bits[i] & 0x7FFFFFFFu;
        uint32_t finite = magnitude < 0x7F800000u ? magnitude : 0;
        nonfinite += magnitude >= 0x7F800000u;
        best = finite > best ? finite : best;
    }
    memcpy(largest, &best, sizeof best);
    return nonfinite;
}

SN_CLONES size_t sn_modp_take_candidates(uint32_t *words, size_t count) {
    size_t rejected = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t candidate = words[i] & SN_MODP_P;
        rejected += candidate == SN_MODP_P;
        words[i] = candidate;
    }
    return rejected;
}

SN_CLONES size_t sn_modp_copy_residues(const uint8_t *bytes, size_t count, uint32_t *target) {
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t value = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 | (uint32_t)bytes[4 * i + 2] << 16
            | (uint32_t)bytes[4 * i + 3] << 24;
        bad += value >= SN_MODP_P;
        target[i] = value;
    }
    return bad;
}

// x mod p for a signed 64-bit x.
static inline uint32_t sn_modp_reduce_signed(int64_t x) {
    if (x >= 0) return sn_modp_reduce64((uint64_t)x);
    uint32_t negated = sn_modp_reduce64((uint64_t)(-(x + 1)) + 1);  // -x without overflow at INT64_MIN
    return negated == 0 ? 0 : SN_MODP_P - negated;
}

// |w| < 2^15 and v < 2^31 make each term below 2^46 in magnitude: 2^16 of them sum below 2^62.
#define SN_I16_RUN ((size_t)1 << 16)

SN_CLONES void sn_modp_matvec2_i16(const int16_t *matrix, size_t rows, size_t columns, const uint32_t *v0,
                                   const uint32_t *v1, uint32_t *out0, uint32_t *out1) {
    for (size_t i = 0; i < rows; i++) {
        const int16_t *row = matrix + i * columns;
        uint64_t total0 = 0, total1 = 0;
        for (size_t start = 0; start < columns; start += SN_I16_RUN) {
            size_t end = columns - start > SN_I16_RUN ? start + SN_I16_RUN : columns;
            int64_t sum0 = 0, sum1 = 0;
            for (size_t j = start; j < end; j++) {
                // v < p < 2^31: as int32 it is the same value, and the products are 32 x 32 -> 64 signed.
                sum0 += (int64_t)row[j] * (int64_t)(int32_t)v0[j];
                sum1 += (int64_t)row[j] * (int64_t)(int32_t)v1[j];
            }
            total0 += sn_modp_reduce_signed(sum0);
            total1 += sn_modp_reduce_signed(sum1);
        }
        out0[i] = sn_modp_reduce64(total0);
        out1[i] = sn_modp_reduce64(total1);
    }
}
