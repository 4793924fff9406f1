// AES-256 in counter mode with the x86 AES instructions: the keystream of masked mode's PRG
// (MaskStream, docs/MASKED.md "The PRG"), written straight into a row of residues.
//
// Row i's keystream is AES-256_k(c_i,j) for j = 0, 1, ... with the counter block
// c_i,j = 00 00 00 00 || BE64(i) || BE32(2 + j): what AES-256-GCM with the 12-byte nonce
// 00 00 00 00 || BE64(i) encrypts zero bytes to. swift-crypto computes the same through a GCM seal per
// row, which also pays for the unused GHASH tag and allocates every buffer; here the only work is the
// AES rounds, and the words are made residues in the same pass.
//
// Two versions chosen at run time: AES-NI (one 16-byte block per instruction) and VAES with AVX-512
// (four blocks per instruction). Both are constant-time: the AES instructions have no table lookups.
// Without AES-NI, sn_aes256_hardware() is 0 and MaskStream stays on swift-crypto.
#include "modp.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define SN_AESNI __attribute__((target("aes,sse4.1")))
#define SN_VAES __attribute__((target("aes,sse4.1,avx512f,vaes")))

int sn_aes256_hardware(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
}

static int sn_aes256_vaes(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx512f");
}

// One step of the AES-256 key schedule (FIPS-197 §5.2) as in Intel's AES-NI white paper: the previous
// key of the same parity with its words chained by XOR, plus the assist word.
SN_AESNI static inline __m128i sn_chain(__m128i key, __m128i assist) {
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

SN_AESNI void sn_aes256_expand(const uint8_t key[32], sn_aes256_key *schedule) {
    __m128i k[15];
    k[0] = _mm_loadu_si128((const __m128i *)key);
    k[1] = _mm_loadu_si128((const __m128i *)(key + 16));
    // Even keys: RotWord + SubWord + Rcon of the previous odd key's last word (shuffle 0xff); odd
    // keys: SubWord only of the previous even key's last word (shuffle 0xaa).
#define SN_EVEN(i, rcon) k[i] = sn_chain(k[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k[i - 1], rcon), 0xff))
#define SN_ODD(i) k[i] = sn_chain(k[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k[i - 1], 0x00), 0xaa))
    SN_EVEN(2, 0x01); SN_ODD(3);
    SN_EVEN(4, 0x02); SN_ODD(5);
    SN_EVEN(6, 0x04); SN_ODD(7);
    SN_EVEN(8, 0x08); SN_ODD(9);
    SN_EVEN(10, 0x10); SN_ODD(11);
    SN_EVEN(12, 0x20); SN_ODD(13);
    SN_EVEN(14, 0x40);
#undef SN_EVEN
#undef SN_ODD
    for (int i = 0; i < 15; i++) _mm_storeu_si128((__m128i *)(schedule->round_keys + 16 * i), k[i]);
}

// The counter block of `row`, block `block`, in memory order.
SN_AESNI static inline __m128i sn_counter(uint64_t row, uint32_t block) {
    return _mm_set_epi32((int)__builtin_bswap32(2u + block), (int)__builtin_bswap32((uint32_t)row),
                         (int)__builtin_bswap32((uint32_t)(row >> 32)), 0);
}

// Eight blocks at a time through the AES-NI pipeline, then one at a time.
SN_AESNI static void sn_keystream_aesni(const sn_aes256_key *schedule, uint64_t row, uint32_t first, size_t blocks,
                                        uint8_t *out) {
    __m128i k[15];
    for (int i = 0; i < 15; i++) k[i] = _mm_loadu_si128((const __m128i *)(schedule->round_keys + 16 * i));
    size_t j = 0;
    for (; j + 8 <= blocks; j += 8) {
        __m128i x[8];
        for (int b = 0; b < 8; b++) x[b] = _mm_xor_si128(sn_counter(row, first + (uint32_t)(j + b)), k[0]);
        for (int r = 1; r < 14; r++)
            for (int b = 0; b < 8; b++) x[b] = _mm_aesenc_si128(x[b], k[r]);
        for (int b = 0; b < 8; b++) _mm_storeu_si128((__m128i *)(out + 16 * (j + b)), _mm_aesenclast_si128(x[b], k[14]));
    }
    for (; j < blocks; j++) {
        __m128i x = _mm_xor_si128(sn_counter(row, first + (uint32_t)j), k[0]);
        for (int r = 1; r < 14; r++) x = _mm_aesenc_si128(x, k[r]);
        _mm_storeu_si128((__m128i *)(out + 16 * j), _mm_aesenclast_si128(x, k[14]));
    }
}

// Sixteen blocks at a time, four per 512-bit register; the rest through AES-NI.
SN_VAES static void sn_keystream_vaes(const sn_aes256_key *schedule, uint64_t row, uint32_t first, size_t blocks,
                                      uint8_t *out) {
    __m512i k[15];
    for (int i = 0; i < 15; i++) {
        k[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(schedule->round_keys + 16 * i)));
    }
    const int high = (int)__builtin_bswap32((uint32_t)(row >> 32)), low = (int)__builtin_bswap32((uint32_t)row);
    size_t j = 0;
    for (; j + 16 <= blocks; j += 16) {
        __m512i x[4];
        for (int v = 0; v < 4; v++) {
            uint32_t c = 2u + first + (uint32_t)(j + 4 * v);
            x[v] = _mm512_set_epi32((int)__builtin_bswap32(c + 3), low, high, 0, (int)__builtin_bswap32(c + 2), low, high, 0,
                                    (int)__builtin_bswap32(c + 1), low, high, 0, (int)__builtin_bswap32(c), low, high, 0);
            x[v] = _mm512_xor_si512(x[v], k[0]);
        }
        for (int r = 1; r < 14; r++)
            for (int v = 0; v < 4; v++) x[v] = _mm512_aesenc_epi128(x[v], k[r]);
        for (int v = 0; v < 4; v++) _mm512_storeu_si512((void *)(out + 16 * (j + 4 * v)), _mm512_aesenclast_epi128(x[v], k[14]));
    }
    if (j < blocks) sn_keystream_aesni(schedule, row, first + (uint32_t)j, blocks - j, out + 16 * j);
}

void sn_aes256_keystream(const sn_aes256_key *schedule, uint64_t row, uint32_t first, size_t blocks, uint8_t *out) {
    static int vaes = -1;  // -1 until the first call asks the CPU; threads racing there store the same value
    int level = __atomic_load_n(&vaes, __ATOMIC_RELAXED);
    if (level < 0) {
        level = sn_aes256_vaes();
        __atomic_store_n(&vaes, level, __ATOMIC_RELAXED);
    }
    if (level) sn_keystream_vaes(schedule, row, first, blocks, out);
    else sn_keystream_aesni(schedule, row, first, blocks, out);
}

#else

int sn_aes256_hardware(void) { return 0; }
void sn_aes256_expand(const uint8_t key[32], sn_aes256_key *schedule) { (void)key; memset(schedule, 0, sizeof *schedule); }
void sn_aes256_keystream(const sn_aes256_key *schedule, uint64_t row, uint32_t first, size_t blocks, uint8_t *out) {
    (void)schedule; (void)row; (void)first; (void)blocks; (void)out;
}

#endif

size_t sn_modp_keystream_residues(const sn_aes256_key *schedule, uint64_t row, uint32_t *out, size_t count) {
    size_t whole = count / 4, tail = count % 4;
    sn_aes256_keystream(schedule, row, 0, whole, (uint8_t *)out);
    if (tail) {
        uint32_t last[4];
        sn_aes256_keystream(schedule, row, (uint32_t)whole, 1, (uint8_t *)last);
        memcpy(out + 4 * whole, last, 4 * tail);
    }
    return sn_modp_take_candidates(out, count);
}
