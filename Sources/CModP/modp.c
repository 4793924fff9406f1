#include "modp.h"

#include <math.h>

void sn_modp_widen(const uint32_t *source, double *target, size_t count) {
    for (size_t i = 0; i < count; i++) target[i] = (double)source[i];
}

void sn_modp_widen_signed(const int32_t *source, double *target, size_t count) {
    for (size_t i = 0; i < count; i++) target[i] = (double)source[i];
}

// p * 2^23 = 2^54 - 2^23: a multiple of p above 2^53, so adding it makes any |x| <= 2^53 non-negative
// without changing x mod p.
#define SN_MODP_OFFSET (((uint64_t)SN_MODP_P) << 23)

void sn_modp_reduce_exact_doubles(const double *source, uint32_t *target, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint64_t shifted = (uint64_t)((int64_t)source[i] + (int64_t)SN_MODP_OFFSET);
        target[i] = sn_modp_reduce64(shifted);
    }
}

void sn_modp_add_into(uint32_t *accumulator, const uint32_t *addend, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t sum = accumulator[i] + addend[i];  // < 2^32: both are < 2^31
        accumulator[i] = sum >= SN_MODP_P ? sum - SN_MODP_P : sum;
    }
}

size_t sn_modp_count_noncanonical(const uint32_t *values, size_t count) {
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) bad += values[i] >= SN_MODP_P;
    return bad;
}

// a * b folded once: below 2^32 for residues a, b (a * b < 2^62).
static inline uint64_t folded_product(uint32_t a, uint32_t b) {
    uint64_t product = (uint64_t)a * b;
    return (product & SN_MODP_P) + (product >> 31);
}

void sn_modp_matvec2(const uint32_t *matrix, size_t rows, size_t columns, size_t stride,
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

void sn_modp_quantize_and_mask(const float *values, size_t count, double inverse_scale, int32_t limit,
                               const uint32_t *mask, uint32_t *masked) {
    const double bound = (double)limit;
    for (size_t i = 0; i < count; i++) {
        double scaled = (double)values[i] * inverse_scale;
        scaled = scaled > bound ? bound : (scaled < -bound ? -bound : scaled);
        // Half away from zero, without a libm call, so the loop vectorizes.
        int64_t quantized = (int64_t)(scaled + (scaled >= 0 ? 0.5 : -0.5));
        // quantized + p is in (0, 2p); plus mask < p: the sum is < 3p < 2^33, two conditional subtractions.
        uint64_t sum = (uint64_t)(quantized + (int64_t)SN_MODP_P) + mask[i];
        sum = sum >= 2 * (uint64_t)SN_MODP_P ? sum - 2 * (uint64_t)SN_MODP_P : sum;
        masked[i] = (uint32_t)(sum >= SN_MODP_P ? sum - SN_MODP_P : sum);
    }
}

void sn_modp_unmask_dequantize(const uint32_t *data, const uint32_t *mask, size_t rows, size_t columns,
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
