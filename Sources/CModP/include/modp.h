// Exact arithmetic in the prime field Z_p, p = 2^31 - 1, for masked mode (docs/MASKED.md).
//
// Residues are uint32_t values in [0, p). Products of two residues are below 2^62 and are folded
// with the Mersenne identity 2^31 = 1 (mod p) into a value below 2^32 before they are summed in a
// uint64_t, so a sum of up to 2^32 folded terms never overflows ("lazy reduction": one full reduction
// per dot product, not per term). Everything here is integer arithmetic: results are exact, with no
// tolerance, on every CPU and in every summation order.
#ifndef SECURENETS_MODP_H
#define SECURENETS_MODP_H

#include <stddef.h>
#include <stdint.h>

/// The modulus p = 2^31 - 1.
#define SN_MODP_P 0x7FFFFFFFu

/// x mod p for any 64-bit x.
static inline uint32_t sn_modp_reduce64(uint64_t x) {
    x = (x & SN_MODP_P) + (x >> 31);  // < 2^31 + 2^33
    x = (x & SN_MODP_P) + (x >> 31);  // < 2^31 + 4
    return (uint32_t)(x >= SN_MODP_P ? x - SN_MODP_P : x);
}

/// target[i] = (double)source[i] for `count` residues: the operand of the float64 product.
void sn_modp_widen(const uint32_t *source, double *target, size_t count);

/// target[i] = (double)source[i] for `count` signed integers (quantized weights).
void sn_modp_widen_signed(const int32_t *source, double *target, size_t count);

/// target[i] = source[i] mod p, where every source[i] is an integer-valued double with
/// |source[i]| <= 2^53 (what an exact float64 product of residues and small signed integers gives).
void sn_modp_reduce_exact_doubles(const double *source, uint32_t *target, size_t count);

/// accumulator[i] = (accumulator[i] + addend[i]) mod p for `count` residues.
void sn_modp_add_into(uint32_t *accumulator, const uint32_t *addend, size_t count);

/// The number of entries of `values` that are not residues (>= p).
size_t sn_modp_count_noncanonical(const uint32_t *values, size_t count);

/// For each of `rows` rows m_i (row i starts at matrix + i * stride, `columns` residues):
/// out0[i] = m_i . v0 mod p and out1[i] = m_i . v1 mod p. Reads the matrix once for both vectors.
/// Requires columns < 2^32.
void sn_modp_matvec2(const uint32_t *matrix, size_t rows, size_t columns, size_t stride,
                     const uint32_t *v0, const uint32_t *v1, uint32_t *out0, uint32_t *out1);

/// The producer's masking step for `count` values, in place: x_q = round(x * inverse_scale) clamped to
/// [-limit, limit] (limit < 2^30), then mask[i] = (x_q + mask[i]) mod p: R's entries in, X̂'s out.
/// Rounds half away from zero.
void sn_modp_quantize_and_mask(const float *values, size_t count, double inverse_scale, int32_t limit, uint32_t *mask);

/// The producer's unmasking step for `rows` x `columns` residues (row-major, contiguous):
/// z = (data[i] - mask[i]) mod p, centred to (-p/2, p/2], then out = (float)z * scale[c] + bias[c].
void sn_modp_unmask_dequantize(const uint32_t *data, const uint32_t *mask, size_t rows, size_t columns,
                               const float *scale, const float *bias, float *out);

/// max |values[i]| over `count` finite values into *largest; returns how many values are NaN or
/// infinite (those are left out of the maximum).
size_t sn_modp_max_abs(const float *values, size_t count, float *largest);

/// words[i] = words[i] & p for `count` 32-bit keystream words: the 31-bit candidates of the PRG.
/// Returns how many candidates equal p (rejected, so the row must be read further: see MaskStream);
/// 0 in all but one row in 2^31 / count.
size_t sn_modp_take_candidates(uint32_t *words, size_t count);

/// Copies `count` little-endian residues from `bytes` to `target` and returns how many are not residues
/// (>= p): the decode of a residue matrix from a frame, checked in the same pass.
size_t sn_modp_copy_residues(const uint8_t *bytes, size_t count, uint32_t *target);

/// As sn_modp_matvec2 for a matrix of small signed integers (quantized weights, |w| < 2^15) instead
/// of residues: out_t[i] = (m_i . v_t) mod p, where a negative w stands for the residue p + w.
/// Half the bytes of the residue form, and the same results.
void sn_modp_matvec2_i16(const int16_t *matrix, size_t rows, size_t columns, const uint32_t *v0, const uint32_t *v1,
                         uint32_t *out0, uint32_t *out1);

/// An expanded AES-256 key: the 15 round keys.
typedef struct {
    uint8_t round_keys[15 * 16];
} sn_aes256_key;

/// 1 when this CPU has the AES instructions the keystream functions need (x86-64 AES-NI).
int sn_aes256_hardware(void);

/// Expands a 32-byte key. Only when sn_aes256_hardware() is 1.
void sn_aes256_expand(const uint8_t key[32], sn_aes256_key *schedule);

/// `blocks` 16-byte blocks of row `row`'s keystream from block `first` on, written to `out`: AES-256
/// of the counter blocks 00 00 00 00 || BE64(row) || BE32(2 + j) (docs/MASKED.md, "The PRG"). Only
/// when sn_aes256_hardware() is 1.
void sn_aes256_keystream(const sn_aes256_key *schedule, uint64_t row, uint32_t first, size_t blocks, uint8_t *out);

/// The first `count` candidates of row `row` (keystream words & p) written to `out`, and how many of
/// them were rejected (equal to p): when that is not 0, `out` is not the row (read further instead).
/// Only when sn_aes256_hardware() is 1.
size_t sn_modp_keystream_residues(const sn_aes256_key *schedule, uint64_t row, uint32_t *out, size_t count);

#endif
