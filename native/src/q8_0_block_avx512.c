/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 VNNI Q8_0 GEMM in block order (EGEMMA_Q8_0_ORDER_BLOCK) on the packed layout: per output and 32-block the
 * exact int32 dot, then acc = fma((float)isum, d_w*d_a, acc), the operation of the scalar block kernel, the NEON
 * tiers and the AMX tiles, so all agree bit for bit.
 *
 * Why it is faster than the x86 order (q8_0_gemm_avx512.c): that order keeps eight float lanes per output, so each
 * vpdpbusd (one quad of 16 columns) needs its own vcvtdq2ps and FMA, and its 8 accumulators per row x 16 columns
 * leave room for 4 rows only. Here the 8 quads of a block chain into one int32 accumulator per (row, group): one
 * convert and one FMA per 8 vpdpbusd, and a register tile of RM rows x RN groups (RM*RN float accumulators plus
 * RM*RN int sums) reuses each weight load RM times and each activation broadcast RN times. Q8GemmBench-like C runs
 * on Zen 5, one core, K 768/1152: ~600-650 int8 GOPS against ~330-380 for the x86 order; 4 x 2 was as fast as
 * 6 x 2, 4 x 3 and 8 x 1 within noise and needs the fewest registers.
 *
 * The signed x signed dot: vpdpbusd multiplies u8 by s8, so the rows are biased to a + 128 once per chunk
 * (egemma_bias_rows) and each block's sum starts from -128 * (sum of the column's 32 weights), computed once per
 * group and chunk (block_negs); it ends at the exact dot for every int8 a and w (|sum| < 2^21). */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__AVX512BW__))
#include "q8_0_avx512.h"

#define RM 4
#define RN 2
#define CHUNK EGEMMA_GEMM_CHUNK_ROWS /* rows biased per pass */

/* -128 * (sum of the 32 weights) of each of group g's 16 columns, per block */
static void block_negs(const uint8_t *packed, int64_t g, int64_t nb, __m512i *negs) {
    const __m512i x80 = _mm512_set1_epi32((int)0x80808080u);
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk);
        __m512i s = _mm512_setzero_si512();
        for (int l = 0; l < 8; l++) s = _mm512_dpbusd_epi32(s, x80, _mm512_load_si512((const void *)(p + PK_Q + l * 64)));
        negs[blk] = _mm512_sub_epi32(_mm512_setzero_si512(), s);
    }
}

/* RM rows (ab: biased rows, row stride k; dr: their scales) x rn <= RN groups from g (negs: RN x nb corrections);
 * rows past rm and groups past rn repeat the first one and are never stored */
static void tile(const uint8_t *const ab[RM], const float *const dr[RM], int rm, int64_t nb, const uint8_t *packed, int64_t g, int rn,
                 const __m512i *negs, const __mmask16 mk[RN], float *const crow[RM], egemma_prefetch *pf) {
    __m512 acc[RM][RN];
    const uint8_t *rec[RN];
    const uint16_t *scl[RN];
    EGEMMA_UNROLL for (int j = 0; j < RN; j++) {
        const int64_t gj = g + (j < rn ? j : 0);
        rec[j] = egemma_pack_record(packed, gj, nb, 0);
        scl[j] = egemma_pack_scales(packed, gj, nb, 0);
        EGEMMA_UNROLL for (int i = 0; i < RM; i++) acc[i][j] = _mm512_setzero_ps();
    }
    for (int64_t blk = 0; blk < nb; blk++) {
        if (pf) egemma_prefetch_step(pf);
        __m512i s[RM][RN];
        EGEMMA_UNROLL for (int j = 0; j < RN; j++) {
            const __m512i neg = _mm512_load_si512((const void *)&negs[(j < rn ? j : 0) * nb + blk]);
            EGEMMA_UNROLL for (int i = 0; i < RM; i++) s[i][j] = neg;
        }
        EGEMMA_UNROLL for (int l = 0; l < 8; l++) {
            __m512i w[RN];
            EGEMMA_UNROLL for (int j = 0; j < RN; j++)
                w[j] = _mm512_load_si512((const void *)(rec[j] + blk * EGEMMA_Q8_0_PACK_RECORD_BYTES + PK_Q + l * 64));
            EGEMMA_UNROLL for (int i = 0; i < RM; i++) {
                int32_t a4;
                memcpy(&a4, ab[i] + blk * 32 + l * 4, 4);
                const __m512i av = _mm512_set1_epi32(a4);
                EGEMMA_UNROLL for (int j = 0; j < RN; j++) s[i][j] = _mm512_dpbusd_epi32(s[i][j], av, w[j]);
            }
        }
        EGEMMA_UNROLL for (int j = 0; j < RN; j++) {
            const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(scl[j] + blk * EGEMMA_Q8_0_PACK_COLS)));
            EGEMMA_UNROLL for (int i = 0; i < RM; i++)
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[i][j]), _mm512_mul_ps(dw, _mm512_set1_ps(dr[i][blk])), acc[i][j]);
        }
    }
    EGEMMA_UNROLL for (int i = 0; i < RM; i++) {
        if (i >= rm) break;
        EGEMMA_UNROLL for (int j = 0; j < RN; j++)
            if (j < rn) _mm512_mask_storeu_ps(crow[i] + j * EGEMMA_Q8_0_PACK_COLS, mk[j], acc[i][j]);
    }
}

void egemma_q8_0_gemm_block_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                                   int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    const int64_t nb = k / EGEMMA_QK8_0;
    /* the caller's scratch (egemma_q8_0_gemm_scratch_bytes): RN x nb corrections 64-byte aligned, then the biased rows */
    __m512i *negs = (__m512i *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    uint8_t *ab = (uint8_t *)(negs + nb * RN);
    const int64_t g_end = (n1 + EGEMMA_Q8_0_PACK_COLS - 1) / EGEMMA_Q8_0_PACK_COLS;
    /* Fewer rows than a chunk (short texts): as in the x86-order kernel, each pass over a pair of groups fetches a
     * share of the next pair, so the weight stream overlaps the arithmetic instead of stalling each pair's first pass */
    const int few = m < CHUNK;
    if (few) egemma_prefetch_groups(packed, n0 / EGEMMA_Q8_0_PACK_COLS, RN, nb);
    for (int64_t c0 = 0; c0 < m; c0 += CHUNK) {
        const int64_t rows = m - c0 < CHUNK ? m - c0 : CHUNK;
        egemma_bias_rows(qa, k, c0, rows, ab);
        const int64_t passes = (rows + RM - 1) / RM;
        for (int64_t g = n0 / EGEMMA_Q8_0_PACK_COLS; g < g_end; g += RN) {
            const int rn = g_end - g < RN ? (int)(g_end - g) : RN;
            __mmask16 mk[RN];
            for (int j = 0; j < RN; j++) {
                mk[j] = j < rn ? egemma_column_mask((g + j) * EGEMMA_Q8_0_PACK_COLS, n0, n1) : 0;
                if (j < rn) block_negs(packed, g + j, nb, negs + j * nb);
            }
            const int has_next = g + RN < g_end;
            for (int64_t i0 = 0; i0 < rows; i0 += RM) {
                const int rm = rows - i0 < RM ? (int)(rows - i0) : RM;
                const uint8_t *arow[RM];
                const float *drow[RM];
                float *crow[RM];
                egemma_tile_rows(RM, rm, c0, i0, ab, da, c, k, nb, ldc, g * EGEMMA_Q8_0_PACK_COLS, arow, drow, crow);
                if (few) {
                    egemma_prefetch pf = egemma_prefetch_next_groups(packed, g, RN, nb, has_next, i0 / RM, passes);
                    tile(arow, drow, rm, nb, packed, g, rn, negs, mk, crow, &pf);
                } else {
                    tile(arow, drow, rm, nb, packed, g, rn, negs, mk, crow, NULL);
                }
            }
        }
    }
}
#else
#error "q8_0_block_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
