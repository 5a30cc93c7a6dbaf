/* SPDX-License-Identifier: Apache-2.0 */
/* The loops of a SIMD tier of the F32/F16/BF16 GEMM around its register tile. The including tier defines RM and RN
 * (rows of activations and of weights per tile, RN <= 6), an ALWAYS_INLINE
 *   tile(a, k, w, rb, t, rm, rn, c, ldc)
 * computing rm x rn outputs (rm, rn compile-time constants after inlining, rm <= RM, rn <= RN), then includes this
 * file and defines its entry point with EGEMMA_FLOAT_GEMM_ENTRY(name). */
#ifndef EGEMMA_FLOAT_GEMM_TILES_H
#define EGEMMA_FLOAT_GEMM_TILES_H

#include "float_gemm.h"

/* a tile of rm (RM or 1) rows and rn (1..RN) columns, each shape its own unrolled code (shapes above RN never occur:
 * clamped only so that none is compiled with too many accumulators) */
static ALWAYS_INLINE void tile_any(const float *a, int64_t k, const uint8_t *w, int64_t rb, int32_t t, int rm, int rn, float *c,
                                   int64_t ldc) {
#define TILE_N(R, N) if (rn == (N)) { tile(a, k, w, rb, t, R, (N) <= RN ? (N) : RN, c, ldc); return; }
    if (rm == RM) {
        TILE_N(RM, 6) TILE_N(RM, 5) TILE_N(RM, 4) TILE_N(RM, 3) TILE_N(RM, 2) TILE_N(RM, 1)
    } else {
        TILE_N(1, 6) TILE_N(1, 5) TILE_N(1, 4) TILE_N(1, 3) TILE_N(1, 2) TILE_N(1, 1)
    }
#undef TILE_N
}

/* Rows in chunks that stay in L2; per chunk, every RN weight rows meet all of the chunk's rows, RM at a time */
static ALWAYS_INLINE void gemm_tiles(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t t, int64_t n0, int64_t n1,
                                     float *c, int64_t ldc) {
    const int64_t rb = k * egemma_float_type_bytes(t), chunk = egemma_float_chunk_rows(k, RM);
    for (int64_t i0 = 0; i0 < m; i0 += chunk) {
        const int64_t i1 = m - i0 < chunk ? m : i0 + chunk;
        for (int64_t j = n0; j < n1; j += RN) {
            const int rn = n1 - j < RN ? (int)(n1 - j) : RN;
            int64_t i = i0;
            for (; i + RM <= i1; i += RM) tile_any(a + i * k, k, w + j * rb, rb, t, RM, rn, c + i * ldc + j, ldc);
            for (; i < i1; i++) tile_any(a + i * k, k, w + j * rb, rb, t, 1, rn, c + i * ldc + j, ldc);
        }
    }
}

/* one instantiation per weight type, so that the widening is chosen outside the loops */
#define EGEMMA_FLOAT_GEMM_ENTRY(name)                                                                                      \
    void name(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c,   \
              int64_t ldc) {                                                                                               \
        if (wtype == EGEMMA_TYPE_F32) gemm_tiles(a, m, k, w, EGEMMA_TYPE_F32, n0, n1, c, ldc);                             \
        else if (wtype == EGEMMA_TYPE_F16) gemm_tiles(a, m, k, w, EGEMMA_TYPE_F16, n0, n1, c, ldc);                        \
        else gemm_tiles(a, m, k, w, EGEMMA_TYPE_BF16, n0, n1, c, ldc);                                                     \
    }

#endif /* EGEMMA_FLOAT_GEMM_TILES_H */
