/* SPDX-License-Identifier: Apache-2.0 */
/* AMX tier of the Q8_0 GEMM in block order (EGEMMA_Q8_0_ORDER_BLOCK; in the x86 order this tier runs the AVX-512 VNNI
 * kernel, egemma_q8_0_gemm_avx512: TDPBSSD sums a whole block per C element and cannot give that order's per-quad
 * lane sums cheaply).
 *
 * Per block it takes the exact int32 block dot and does acc = fma((float)isum, d_w*d_a, acc): the same bits as the
 * other tiers' block kernels. Layout: the record's q[8][16][4] is the B tile of TDPBSSD
 * as is; per (32 rows of A) x (two 16-column groups) and per 32-block: two A tiles (16 rows x 32 bytes, the rows
 * of qa; m_pad makes the 16-row loads safe), two B tiles (8 x 64 bytes), four int32 C tiles of exact block dots,
 * each stored and scaled in AVX-512 into float accumulators. Fewer than 16 rows: the AVX-512 VNNI block kernel.
 * Tested without AMX hardware by native/test/test_amx_model.c, against a software model of the tile instructions. */
#include "egemma_internal.h"

/* EGEMMA_AMX_MODEL: native/test/test_amx_model.c compiles this file with AVX-512 flags only, after its software
 * model of the tile instructions (amx_model.h) took the _tile_* names */
#if (defined(__AMX_TILE__) && defined(__AMX_INT8__) && defined(__AVX512F__)) || (defined(EGEMMA_AMX_MODEL) && defined(__AVX512F__))
#include "q8_0_avx512.h"

typedef struct {
    uint8_t palette, start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* scales one 16x16 int32 tile of block dots into the float accumulators */
static inline void scale_tile(const int32_t (*s)[16], float (*acc)[16], const float *dar, int64_t nb, __m512 dw) {
    for (int r = 0; r < 16; r++) {
        const __m512 sc = _mm512_mul_ps(dw, _mm512_set1_ps(dar[r * nb]));
        _mm512_store_ps(acc[r], _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(s[r])), sc, _mm512_load_ps(acc[r])));
    }
}

void egemma_q8_0_gemm_amx(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                          int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    if (m < 16) {
        egemma_q8_0_gemm_block_avx512(qa, da, m, k, packed, n0, n1, c, ldc, scratch);
        return;
    }
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 4; t++) { cfg.rows[t] = 16; cfg.colsb[t] = 64; } /* C tiles: 16 x 16 int32 */
    for (int t = 4; t < 6; t++) { cfg.rows[t] = 16; cfg.colsb[t] = 32; } /* A tiles: 16 rows x one block */
    for (int t = 6; t < 8; t++) { cfg.rows[t] = 8; cfg.colsb[t] = 64; }  /* B tiles: 8 quads x 16 columns */
    _tile_loadconfig(&cfg);

    const int64_t nb = k / EGEMMA_QK8_0;
    const int64_t g_lo = n0 / 16, g_hi = (n1 + 15) / 16;
    int32_t dots[4][16][16] __attribute__((aligned(64)));
    float acc[2][2][16][16] __attribute__((aligned(64)));
    for (int64_t g0 = g_lo; g0 < g_hi; g0 += 2) {
        const int two = g0 + 1 < g_hi;
        const int64_t g1 = two ? g0 + 1 : g0;
        for (int64_t i0 = 0; i0 < m; i0 += 32) {
            const int mtwo = i0 + 16 < m;
            memset(acc, 0, sizeof acc);
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *p0 = egemma_pack_record(packed, g0, nb, blk), *p1 = egemma_pack_record(packed, g1, nb, blk);
                _tile_loadd(4, qa + i0 * k + blk * 32, k);
                if (mtwo) _tile_loadd(5, qa + (i0 + 16) * k + blk * 32, k);
                _tile_loadd(6, p0 + PK_Q, 64);
                if (two) _tile_loadd(7, p1 + PK_Q, 64);
                _tile_zero(0);
                _tile_dpbssd(0, 4, 6);
                _tile_stored(0, dots[0], 64);
                if (two) { _tile_zero(1); _tile_dpbssd(1, 4, 7); _tile_stored(1, dots[1], 64); }
                if (mtwo) { _tile_zero(2); _tile_dpbssd(2, 5, 6); _tile_stored(2, dots[2], 64); }
                if (mtwo && two) { _tile_zero(3); _tile_dpbssd(3, 5, 7); _tile_stored(3, dots[3], 64); }
                for (int jj = 0; jj <= two; jj++) {
                    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)egemma_pack_scales(packed, jj ? g1 : g0, nb, blk)));
                    for (int ii = 0; ii <= mtwo; ii++)
                        scale_tile((const int32_t (*)[16])dots[ii * 2 + jj], acc[ii][jj], da + (i0 + ii * 16) * nb + blk, nb, dw);
                }
            }
            for (int ii = 0; ii <= mtwo; ii++) {
                for (int r = 0; r < 16; r++) {
                    const int64_t row = i0 + ii * 16 + r;
                    if (row >= m) break;
                    for (int jj = 0; jj <= two; jj++) {
                        const int64_t g = jj ? g1 : g0;
                        _mm512_mask_storeu_ps(c + row * ldc + g * 16, egemma_column_mask(g * 16, n0, n1), _mm512_load_ps(acc[ii][jj][r]));
                    }
                }
            }
        }
    }
    _tile_release();
}
#else
#error "q8_0_gemm_amx.c must be compiled with the amx tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
