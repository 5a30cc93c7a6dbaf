/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 VNNI Q8_0 GEMM tier on the packed layout, and the AVX-512 activation quantizer.
 *
 * Order: llama.cpp's x86 one (llamafile tinyBLAS_Q0_AVX), bit-identical to the scalar tier and to the Java
 * reference (GgmlQ8Matmul.scalar): every output keeps eight float lanes, lane l of a block being the exact
 * int32 sum of products 4l..4l+3; per block lane_l = fma(d_w*d_a, (float)lane_int_l, lane_l); at the end
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
 *
 * Here the vpdpbusd of quad r of a block IS lane r of 16 outputs: the 4 activation bytes of a row, stored
 * once per call as a + 128 (u8), are broadcast to all 16 columns; vpdpbusd against the 64-byte row r of the
 * record (4 weights of each of 16 columns) adds (a+128)*w; starting from neg_r = -128*sum(w of quad r), it ends
 * at the exact lane sum for every int8 a and w.
 *
 * Why the scratch buffers (the caller's, egemma_q8_0_gemm_scratch_bytes): the a+128 xor and the neg_r vpdpbusd used to run inside the tile, once per row and
 * once per RM rows; now the biased rows of a CHUNK are written once (reused by every 16-column group) and the
 * neg_r of one group are computed once per CHUNK rows, so the tile does only broadcast-load, vpdpbusd,
 * vcvtdq2ps and the lane FMA, the three ops the lane order needs. Register tile: RM rows x one 16-column group,
 * 8 float accumulators per row (RM = 4 measured fastest of 2, 3, 4 on Zen 4; 1.0-1.8x the previous kernel). */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__AVX512BW__))
#include "q8_0_avx512.h"

#define RM 4
#define CHUNK EGEMMA_GEMM_CHUNK_ROWS /* rows of a biased per pass: a multiple of RM */

/* neg_r = -128 * (sum of the 4 weights of quad r) for the 8 quads of every block of column group g */
static inline void group_negs(const uint8_t *packed, int64_t g, int64_t nb, __m512i *negs, egemma_prefetch *pf) {
    const __m512i x80 = _mm512_set1_epi32((int)0x80808080u);
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk);
        if (pf) egemma_prefetch_step(pf);
        for (int l = 0; l < 8; l++) {
            const __m512i w = _mm512_load_si512((const void *)(p + PK_Q + l * 64));
            negs[blk * 8 + l] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), x80, w));
        }
    }
}

/* RM rows (ab: biased rows, row stride k; dr: their scales) x column group g, the sums stored under mask mk */
static inline void tile(const uint8_t *const ab[RM], const float *const dr[RM], int rm, int64_t nb, const uint8_t *packed, int64_t g,
                        const __m512i *negs, __mmask16 mk, float *const crow[RM], egemma_prefetch *pf) {
    __m512 acc[RM][8];
    EGEMMA_UNROLL for (int i = 0; i < RM; i++)
        EGEMMA_UNROLL for (int l = 0; l < 8; l++) acc[i][l] = _mm512_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk);
        if (pf) egemma_prefetch_step(pf);
        const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)egemma_pack_scales(packed, g, nb, blk)));
        __m512 sc[RM];
        EGEMMA_UNROLL for (int i = 0; i < RM; i++) sc[i] = _mm512_mul_ps(dw, _mm512_set1_ps(dr[i][blk]));
        EGEMMA_UNROLL for (int l = 0; l < 8; l++) {
            const __m512i w = _mm512_load_si512((const void *)(p + PK_Q + l * 64));
            const __m512i neg = _mm512_load_si512((const void *)&negs[blk * 8 + l]);
            EGEMMA_UNROLL for (int i = 0; i < RM; i++) {
                int32_t a4;
                memcpy(&a4, ab[i] + blk * 32 + l * 4, 4);
                const __m512i s = _mm512_dpbusd_epi32(neg, _mm512_set1_epi32(a4), w);
                acc[i][l] = _mm512_fmadd_ps(sc[i], _mm512_cvtepi32_ps(s), acc[i][l]);
            }
        }
    }
    EGEMMA_UNROLL for (int i = 0; i < rm; i++) {
        const __m512 s04 = _mm512_add_ps(acc[i][0], acc[i][4]), s26 = _mm512_add_ps(acc[i][2], acc[i][6]);
        const __m512 s15 = _mm512_add_ps(acc[i][1], acc[i][5]), s37 = _mm512_add_ps(acc[i][3], acc[i][7]);
        _mm512_mask_storeu_ps(crow[i], mk, _mm512_add_ps(_mm512_add_ps(s04, s26), _mm512_add_ps(s15, s37)));
    }
}

void egemma_q8_0_gemm_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                             int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    /* One row (the Dense layers of a single text): the quad corrections below cost as many vpdpbusd as the row itself,
     * and the AVX2 kernel (same order, same bits; every AVX-512 VNNI CPU has AVX2) needs none: Q8GemmBench M=1 on
     * Zen 4, 768x1152: 36 GOPS here, 79 on AVX2 (they tie at M=2, this kernel leads from M=4: 146 vs 84) */
    if (m == 1) {
        egemma_q8_0_gemm_avx2(qa, da, m, k, packed, n0, n1, c, ldc, scratch);
        return;
    }
    const int64_t nb = k / EGEMMA_QK8_0;
    /* the caller's scratch (egemma_q8_0_gemm_scratch_bytes): the negs 64-byte aligned first, then the biased rows */
    __m512i *negs = (__m512i *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    uint8_t *ab = (uint8_t *)(negs + nb * 8);
    /* Fewer rows than a chunk (short texts): a group's records come from memory in its first pass and are then
     * reused from L1, so the stream would stall that pass; instead its 1 + rows/RM passes each fetch a share of
     * the next group (egemma_prefetch), and the first group is asked for whole before the loop. A full chunk has
     * enough passes per group to amortize the misses (and the tile is compute-bound there). */
    const int few = m < CHUNK;
    if (few) egemma_prefetch_group(packed, n0 / EGEMMA_Q8_0_PACK_COLS, nb);
    for (int64_t c0 = 0; c0 < m; c0 += CHUNK) {
        const int64_t rows = m - c0 < CHUNK ? m - c0 : CHUNK;
        egemma_bias_rows(qa, k, c0, rows, ab);
        const int64_t passes = 1 + (rows + RM - 1) / RM;
        for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
            const __mmask16 mk = egemma_column_mask(g * 16, n0, n1);
            const int has_next = (g + 1) * EGEMMA_Q8_0_PACK_COLS < n1;
            egemma_prefetch pf;
            if (few) {
                pf = egemma_prefetch_next_group(packed, g, nb, has_next, 0, passes);
                group_negs(packed, g, nb, negs, &pf);
            } else {
                group_negs(packed, g, nb, negs, NULL);
            }
            for (int64_t i0 = 0; i0 < rows; i0 += RM) {
                const int rm = rows - i0 < RM ? (int)(rows - i0) : RM;
                const uint8_t *arow[RM];
                const float *drow[RM];
                float *crow[RM];
                egemma_tile_rows(RM, rm, c0, i0, ab, da, c, k, nb, ldc, g * 16, arow, drow, crow);
                if (few) {
                    pf = egemma_prefetch_next_group(packed, g, nb, has_next, 1 + i0 / RM, passes);
                    tile(arow, drow, rm, nb, packed, g, negs, mk, crow, &pf);
                } else {
                    tile(arow, drow, rm, nb, packed, g, negs, mk, crow, NULL);
                }
            }
        }
    }
}

/* ggml's x86 quantize_row_q8_0 with 512-bit vectors: the same amax, the same d and 127/amax, the same product
 * rounded once, round half to even: bit-identical to the scalar quantizer. */
void egemma_q8_0_quantize_avx512(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da) {
    const int64_t nb = k / EGEMMA_QK8_0;
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t blk = 0; blk < nb; blk++) {
            const float *xb = x + i * k + blk * 32;
            const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
            const __m512 mx = _mm512_max_ps(_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v0), abs_mask)), _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v1), abs_mask)));
            const float amax = _mm512_reduce_max_ps(mx);
            const float d = amax / 127.0f;
            const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            da[i * nb + blk] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
            const __m512 mul = _mm512_set1_ps(id);
            const __m512i q0 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v0, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            const __m512i q1 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v1, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            _mm_storeu_si128((__m128i *)(qa + i * k + blk * 32), _mm512_cvtsepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(qa + i * k + blk * 32 + 16), _mm512_cvtsepi32_epi8(q1));
        }
    }
}
#else
#error "q8_0_gemm_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
