// The verifier's mixed-precision matrix-vector kernels (docs/VERIFICATION.md, "Cost").
//
// Each kernel reads a block of rows of float32 entries once and returns, for two float64 vectors at
// once, the signed sums and the magnitude sums the residual bound needs, all accumulated in float64.
// BLAS has no routine for float32 x float64 products with magnitudes, so these loops are written in
// C, in a baseline version and in AVX2 + FMA and AVX-512 versions chosen at run time (the way
// OpenBLAS picks its kernels): the same binary runs on any x86-64 and uses the widest units the CPU
// has.
//
// Every version sums in a different order, which the bound allows (its gamma terms hold for any
// order, with or without fused multiply-add).
#ifndef SECURENETS_SKETCH_KERNELS_H
#define SECURENETS_SKETCH_KERNELS_H

#include <stddef.h>

/// Which version of the kernels runs.
typedef enum {
    SN_KERNELS_BASELINE = 0,
    SN_KERNELS_AVX2_FMA = 1,
    SN_KERNELS_AVX512 = 2,
} sn_kernel_level;

/// The best version this CPU supports.
sn_kernel_level sn_kernels_best_level(void);

/// Rows per kernel call. Every vector entry loaded serves all of them: the vectors, not the matrix,
/// are most of the bytes a one-row kernel moves. The AVX-512 version sums all four at once (its 32
/// registers hold the sixteen sums), the others two at a time.
#define SN_BLOCK_ROWS 4

/// A block of rows; when fewer remain, the last row is repeated.
typedef struct {
    const float *row[SN_BLOCK_ROWS];
} sn_rows;

/// The four float64 sums of one row against two vectors.
typedef struct {
    double signed0;
    double magnitude0;
    double signed1;
    double magnitude1;
} sn_row_sums;

/// The sums of every row of a block.
typedef struct {
    sn_row_sums row[SN_BLOCK_ROWS];
} sn_block_sums;

/// (sum x*v0, sum |x*v0|, sum x*v1, sum |x*v1|) over `count` entries of each row x, in float64: the
/// passes whose bound vector is |v| itself (W*r and Z*r).
///
/// `next` is the block to fetch into cache meanwhile (all NULL for none): the passes are bound by
/// memory, and asking for the next rows while computing overlaps the two, which the hardware
/// prefetcher alone did not (docs/BENCHMARKS.md).
sn_block_sums sn_products_and_magnitudes(sn_kernel_level level, sn_rows x, const double *v0, const double *v1,
                                         size_t count, sn_rows next);

/// (sum y*v0, sum |y|*a0, sum y*v1, sum |y|*a1) over `count` entries of each row x, in float64, with
/// y = x; or, when `rectified` is non-zero, y = x with every entry whose sign bit is set replaced by
/// +0 (ReLU); or, when `slopes` is not NULL, y_j = x_j >= 0 ? x_j : slopes[j] * x_j, one float32
/// multiplication (LeakyReLU and PRelu, one slope per column): the input passes, whose bound vectors
/// a0, a1 are |W|*|r|, not |W*r|. `rectified` and `slopes` are not used together.
sn_block_sums sn_products_with_magnitudes(sn_kernel_level level, sn_rows x, const double *v0, const double *v1,
                                          const double *a0, const double *a1, size_t count, int rectified,
                                          const float *slopes, sn_rows next);

#endif
