/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 Q8_0 GEMM tier on the packed layout, in llama.cpp's x86 order (llamafile tinyBLAS_Q0_AVX, ggml's own
 * AVX2 order), bit-identical to the scalar and AVX-512 tiers and to the Java reference (GgmlQ8Matmul.scalar):
 * eight float lanes per output, lane l of a block the exact int32 sum of products 4l..4l+3; per block
 * lane_l = fma(d_w*d_a, (float)lane_int_l, lane_l); at the end ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
 *
 * No int8 dot instruction here, so ggml's sign trick: maddubs needs one unsigned operand, so multiply |w| (as u8,
 * 0..128) by a carrying w's sign. Precondition: the activations come from the Q8_0 quantizer and lie in
 * [-127, 127] (sign_epi8 of -128 would overflow), so pairs stay within int16 (<= 2*128*127). madd with ones
 * then sums each column's 4 products of quad r into an int32: that IS lane r of the column's output.
 *
 * Register tile: one activation row x 8 columns (half a packed group). The lane order needs one float
 * accumulator per (8 columns, quad), so a tile of R rows x 8C columns holds 8*R*C ymm accumulators: with 16 ymm
 * registers only R = C = 1 fits (8 accumulators + weights, activations, scale, ones); the previous 2 rows x 16
 * columns (32 accumulators) kept every accumulator on the stack. Rows are the inner loop, so the 8 columns'
 * records (k/32 x 256 bytes: 24 KiB at k = 3072) and their |w| (computed once per call into the scratch, not
 * once per row) stay in L1 while the activation rows stream past. */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#include <immintrin.h>

#include "avx2_tile.h"

static inline __m256 hsum8(const __m256 *l) {
    const __m256 s04 = _mm256_add_ps(l[0], l[4]), s26 = _mm256_add_ps(l[2], l[6]);
    const __m256 s15 = _mm256_add_ps(l[1], l[5]), s37 = _mm256_add_ps(l[3], l[7]);
    return _mm256_add_ps(_mm256_add_ps(s04, s26), _mm256_add_ps(s15, s37));
}

/* |w| of the 8 columns of half h of group g, quad by quad (nb x 8 x 32 bytes) */
static void abs_half(const uint8_t *packed, int64_t g, int h, int64_t nb, uint8_t *u) {
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk) + PK_Q + 32 * h;
        EGEMMA_UNROLL for (int l = 0; l < 8; l++)
            _mm256_store_si256((__m256i *)(u + (blk * 8 + l) * 32), _mm256_abs_epi8(_mm256_load_si256((const __m256i *)(p + l * 64))));
    }
}

/* one row (a: its quantized activations, da: its block scales) x the 8 columns of half h of group g (u: their |w|,
 * or NULL to take |w| in the loop; pf: the lines to prefetch, or NULL; each call site is inlined with u and pf
 * known, so the tests fold away) */
static inline __m256 row_x_half(const int8_t *a, const float *da, int64_t nb, const uint8_t *packed, int64_t g, int h, const uint8_t *u,
                                egemma_prefetch *pf) {
    const __m256i ones16 = _mm256_set1_epi16(1);
    __m256 acc[8];
    EGEMMA_UNROLL for (int l = 0; l < 8; l++) acc[l] = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk) + PK_Q + 32 * h;
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(egemma_pack_scales(packed, g, nb, blk) + 8 * h)));
        const __m256 sc = _mm256_mul_ps(dw, _mm256_broadcast_ss(da + blk));
        if (pf) egemma_prefetch_step(pf);
        EGEMMA_UNROLL for (int l = 0; l < 8; l++) {
            const __m256i w = _mm256_load_si256((const __m256i *)(p + l * 64));
            const __m256i uw = u ? _mm256_load_si256((const __m256i *)(u + (blk * 8 + l) * 32)) : _mm256_abs_epi8(w);
            int32_t a4;
            memcpy(&a4, a + blk * 32 + l * 4, 4);
            const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(uw, _mm256_sign_epi8(_mm256_set1_epi32(a4), w)), ones16);
            acc[l] = _mm256_fmadd_ps(sc, _mm256_cvtepi32_ps(s), acc[l]);
        }
    }
    return hsum8(acc);
}

void egemma_q8_0_gemm_avx2(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                           int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    const int64_t nb = k / EGEMMA_QK8_0;
    /* nb x 256 bytes of |w|, aligned here: egemma_q8_0_gemm_scratch_bytes(m, k) >= nb x 512 + 64 for every m */
    uint8_t *u = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    if (m < 8) egemma_prefetch_group(packed, n0 / EGEMMA_Q8_0_PACK_COLS, nb); /* no pass before the first group fetches it */
    for (int64_t col0 = n0 / 8 * 8; col0 < n1; col0 += 8) {
        const int64_t g = col0 / 16;
        const int h = (int)(col0 / 8 % 2);
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 8 ? (int)(n1 - col0) : 8;
        const int cached = m >= 8; /* below, the pass over the records costs more than it saves */
        if (cached) abs_half(packed, g, h, nb, u);
        /* Few rows also fetch the next group ahead (egemma_prefetch); many rows amortize the first pass's misses
         * over 2m passes */
        const int has_next = (g + 1) * EGEMMA_Q8_0_PACK_COLS < n1;
        for (int64_t i = 0; i < m; i++) {
            egemma_prefetch pf = egemma_prefetch_next_group(packed, g, nb, has_next, h * m + i, 2 * m);
            const __m256 r = cached ? row_x_half(qa + i * k, da + i * nb, nb, packed, g, h, u, NULL)
                                    : row_x_half(qa + i * k, da + i * nb, nb, packed, g, h, NULL, &pf);
            egemma_store8(c + i * ldc + col0, r, lo, hi);
        }
    }
}

/* Block order (EGEMMA_Q8_0_ORDER_BLOCK): one exact int32 dot per column and block (the 8 quads' madd sums added,
 * |dot| <= 32 * 127 * 128), then acc = fma((float)dot, d_w*d_a, acc). With one float accumulator per (row, 8
 * columns) instead of eight, a register tile of RB rows fits the 16 ymm registers (RB accumulators, RB sums, w,
 * |w|, ones, the broadcast and the scale): each w and |w| load serves RB rows, leaving sign, maddubs, madd and add
 * per 32 MACs. nr (a constant at each call site: RB, or 1 for the rows a full tile would not fill) rows. */
#define RB 4
static ALWAYS_INLINE void rows_x_half_block(const int8_t *const a[RB], const float *const dr[RB], int64_t nb, const uint8_t *packed, int64_t g,
                                            int h, const uint8_t *u, egemma_prefetch *pf, __m256 acc[RB], const int nr) {
    const __m256i ones16 = _mm256_set1_epi16(1);
    EGEMMA_UNROLL for (int i = 0; i < nr; i++) acc[i] = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++) {
        const uint8_t *p = egemma_pack_record(packed, g, nb, blk) + PK_Q + 32 * h;
        if (pf) egemma_prefetch_step(pf);
        __m256i dot[RB];
        EGEMMA_UNROLL for (int i = 0; i < nr; i++) dot[i] = _mm256_setzero_si256();
        EGEMMA_UNROLL for (int l = 0; l < 8; l++) {
            const __m256i w = _mm256_load_si256((const __m256i *)(p + l * 64));
            const __m256i uw = u ? _mm256_load_si256((const __m256i *)(u + (blk * 8 + l) * 32)) : _mm256_abs_epi8(w);
            EGEMMA_UNROLL for (int i = 0; i < nr; i++) {
                int32_t a4;
                memcpy(&a4, a[i] + blk * 32 + l * 4, 4);
                dot[i] = _mm256_add_epi32(dot[i], _mm256_madd_epi16(_mm256_maddubs_epi16(uw, _mm256_sign_epi8(_mm256_set1_epi32(a4), w)), ones16));
            }
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(egemma_pack_scales(packed, g, nb, blk) + 8 * h)));
        EGEMMA_UNROLL for (int i = 0; i < nr; i++)
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[i]), _mm256_mul_ps(dw, _mm256_broadcast_ss(dr[i] + blk)), acc[i]);
    }
}

void egemma_q8_0_gemm_block_avx2(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                                 int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    const int64_t nb = k / EGEMMA_QK8_0;
    uint8_t *u = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63); /* |w| of one half group, as above */
    const int64_t tiles = m / RB + m % RB; /* calls per half group: full tiles, then single rows */
    if (m < 8) egemma_prefetch_group(packed, n0 / EGEMMA_Q8_0_PACK_COLS, nb);
    for (int64_t col0 = n0 / 8 * 8; col0 < n1; col0 += 8) {
        const int64_t g = col0 / 16;
        const int h = (int)(col0 / 8 % 2);
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 8 ? (int)(n1 - col0) : 8;
        const int cached = m >= 8;
        if (cached) abs_half(packed, g, h, nb, u);
        const int has_next = (g + 1) * EGEMMA_Q8_0_PACK_COLS < n1;
        /* full tiles of RB rows, then the rows left one at a time (pass: the prefetch share of each call) */
        for (int64_t i0 = 0, pass = h * tiles; i0 < m; pass++) {
            const int nr = m - i0 >= RB ? RB : 1;
            const int8_t *arow[RB];
            const float *drow[RB];
            for (int i = 0; i < nr; i++) {
                arow[i] = qa + (i0 + i) * k;
                drow[i] = da + (i0 + i) * nb;
            }
            __m256 r[RB];
            egemma_prefetch pf = egemma_prefetch_next_group(packed, g, nb, has_next && !cached, pass, 2 * tiles);
            if (nr == RB) {
                if (cached) rows_x_half_block(arow, drow, nb, packed, g, h, u, NULL, r, RB);
                else rows_x_half_block(arow, drow, nb, packed, g, h, NULL, &pf, r, RB);
            } else {
                if (cached) rows_x_half_block(arow, drow, nb, packed, g, h, u, NULL, r, 1);
                else rows_x_half_block(arow, drow, nb, packed, g, h, NULL, &pf, r, 1);
            }
            for (int i = 0; i < nr; i++) egemma_store8(c + (i0 + i) * ldc + col0, r[i], lo, hi);
            i0 += nr;
        }
    }
}

/* ggml's x86 quantize_row_q8_0, 8 lanes at a time: amax by vmaxps over |x|, d and 1/d as the scalar quantizer
 * computes them, round half to even (vroundps), int32 -> int8 by two packs (exact: |q| <= 127) and one lane
 * permutation back to element order. Bit-identical to egemma_q8_0_quantize_scalar. */
void egemma_q8_0_quantize_avx2(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da) {
    const int64_t nb = k / EGEMMA_QK8_0;
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t blk = 0; blk < nb; blk++) {
            const float *xb = x + i * k + blk * 32;
            __m256 v[4];
            for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(xb + 8 * t);
            __m256 mx = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], abs_mask), _mm256_and_ps(v[1], abs_mask)),
                                      _mm256_max_ps(_mm256_and_ps(v[2], abs_mask), _mm256_and_ps(v[3], abs_mask)));
            __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
            const float amax = _mm_cvtss_f32(m4);
            const float d = amax / 127.0f;
            const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            da[i * nb + blk] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
            const __m256 mul = _mm256_set1_ps(id);
            __m256i q[4];
            for (int t = 0; t < 4; t++)
                q[t] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[t], mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            const __m256i q8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            _mm256_storeu_si256((__m256i *)(qa + i * k + blk * 32), _mm256_permutevar8x32_epi32(q8, order));
        }
    }
}
#else
#error "q8_0_gemm_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
