// The verifier's mixed-precision matrix-vector kernels (docs/VERIFICATION.md).
//
// Each kernel reads one row of float32 entries x once and returns, for two float64 vectors at once,
// the signed sums and the magnitude sums the residual bound needs, all accumulated in float64. BLAS
// has no routine for float32 x float64 products with magnitudes, and the check is memory- and
// latency-bound, so these loops are written once in C with a baseline version and an AVX2 + FMA
// version chosen at run time (the way OpenBLAS picks its kernels): the same binary runs on any x86-64
// and uses the wide units where the CPU has them.
//
// Every version sums in a different order, which the bound allows (its gamma terms hold for any
// order, with or without fused multiply-add).
#ifndef SECURENETS_SKETCH_KERNELS_H
#define SECURENETS_SKETCH_KERNELS_H

#include <stddef.h>

/// The four float64 sums of one row against two vectors.
typedef struct {
    double signed0;
    double magnitude0;
    double signed1;
    double magnitude1;
} sn_row_sums;

/// Which version of the kernels runs.
typedef enum {
    SN_KERNELS_BASELINE = 0,
    SN_KERNELS_AVX2_FMA = 1,
} sn_kernel_level;

/// The best version this CPU supports.
sn_kernel_level sn_kernels_best_level(void);

/// The sums of two rows, computed together so that every vector entry loaded serves both rows (the
/// vectors, not the matrix, are most of the bytes a one-row kernel moves). The rows may be the same
/// row, for an odd one out.
typedef struct {
    sn_row_sums first;
    sn_row_sums second;
} sn_row_pair_sums;

/// The rows to fetch into cache while two rows are summed: the next pair, or NULLs. The passes are
/// bound by memory, and asking for the next rows while computing overlaps the two; the hardware
/// prefetcher alone left a third of that time on the table (docs/BENCHMARKS.md).
typedef struct {
    const float *first;
    const float *second;
} sn_prefetch_rows;

/// (sum x*v0, sum |x*v0|, sum x*v1, sum |x*v1|) over `count` entries of each row x0 and x1, in
/// float64: the passes whose bound vector is |v| itself (W*r and Z*r).
sn_row_pair_sums sn_products_and_magnitudes(sn_kernel_level level, const float *x0, const float *x1,
                                            const double *v0, const double *v1, size_t count,
                                            sn_prefetch_rows next);

/// (sum y*v0, sum |y|*a0, sum y*v1, sum |y|*a1) over `count` entries of each row x0 and x1, in
/// float64, with y = x, or, when `rectified` is non-zero, y = x with every entry whose sign bit is set
/// replaced by +0 (ReLU): the input passes, whose bound vectors a0, a1 are |W|*|r|, not |W*r|.
sn_row_pair_sums sn_products_with_magnitudes(sn_kernel_level level, const float *x0, const float *x1,
                                             const double *v0, const double *v1, const double *a0,
                                             const double *a1, size_t count, int rectified,
                                             sn_prefetch_rows next);

#endif
