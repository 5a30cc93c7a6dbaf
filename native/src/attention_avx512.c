/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 attention of one query head (include/egemma.h, egemma_attention_head), bit-identical to the portable
 * attention.c: the same fused products, the same accumulators folded in the same order, the same exp, and keys
 * outside a query's window skipped, not multiplied by zero.
 *
 * Why a tier of its own: the portable loops, even compiled for AVX-512 (target_clones), spent ~half of a batch of
 * 1,000-token texts in attention. Each score ended in a scalar 16-lane tree (reduce16); the exp ran one lane at a
 * time; P.V kept its 64 position accumulators per output lane in memory (a load, an FMA and a store per key); and
 * every query streamed the head's K and V rows (1 MiB each at 1,000 tokens) from beyond L2. Here 16 scores are
 * reduced together in vectors (the tree's pairs are lanes of shuffled vectors), ggml_v_expf runs 16 lanes wide as
 * ggml writes it, P.V holds two of the 64 position classes (the pairs the first fold step combines) x 32 output
 * lanes x 4 queries in 16 registers over the row, and QB = 4 queries share every K and V row loaded.
 *
 * Handles head_dim and head_dim_v that are multiples of 64 with head_dim <= 256; other shapes return 0 and the
 * caller runs the portable version. */
#include <math.h>

#include "egemma_internal.h"
#include "f32_dot.h" /* ALWAYS_INLINE */

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__FMA__))
#include <immintrin.h>

/* ggml_v_expf (AVX-512): for every non-NaN lane the same bits as v_expf in attention.c (scalef is the exact
 * j * 2^n there, and rounds once, as ldexpf, where the result is subnormal) */
static inline __m512 v_expf16(__m512 x) {
    const __m512 r = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const __m512 n = _mm512_sub_ps(z, r);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 d = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 j = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                        _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const __m512 res = _mm512_scalef_ps(j, n);
    if (d == 0) return res;
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ), _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(d, res, alt);
}

/* reduce16 (attention.c's f32_dot.h) of one vector: (8+i)+i, then (4+i)+i, then (0+2)+(1+3) */
static inline float reduce16v(__m512 v) {
    const __m256 t = _mm256_add_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)), _mm512_castps512_ps256(v));
    const __m128 a = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a)); /* a0+a2, a1+a3 */
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
}

#define QB 4  /* queries attended together: each key and value row loaded once for all of them */
#define QT EGEMMA_ATTENTION_TILE /* queries of a tile: their groups share K and V slices in L1 */
#include "attention_tier.h" /* pv_window; the queries loop at the end */

/* The folded 16 lanes of ggml_vec_dot_f32(k_j, q) of nq queries (rows q_stride apart, 64-byte aligned) and the
 * two keys k0, k1 before its final tree: its four 16-lane fused accumulators over the 64-element chunks in two passes
 * (accumulators 0 and 2, then 1 and 3: 2 keys x 2 x nq chains in registers, each query vector loaded once for both
 * keys, each key vector once for the nq queries), folded (0+2) + (1+3); stored at t0 + qq * 256 and t1 + qq * 256.
 * One key with four queries loaded 5 vectors per 4 FMAs, this 3 per 4: loads bound these kernels. */
static ALWAYS_INLINE void dot_lanes2(const float *q, int64_t q_stride, const float *k0, const float *k1, int chunks, const int nq,
                                     float *t0, float *t1) {
    __m512 s02[QB][2];
    for (int pass = 0; pass < 2; pass++) {
        __m512 a[QB][2][2]; /* [query][key][accumulator pass + 2 * i] */
        for (int qq = 0; qq < nq; qq++)
            for (int j = 0; j < 2; j++) a[qq][j][0] = a[qq][j][1] = _mm512_setzero_ps();
        for (int c = 0; c < chunks; c++)
            for (int i = 0; i < 2; i++) {
                const int off = 64 * c + 16 * (pass + 2 * i);
                const __m512 kv0 = _mm512_loadu_ps(k0 + off), kv1 = _mm512_loadu_ps(k1 + off);
                for (int qq = 0; qq < nq; qq++) {
                    __m512 qv = _mm512_load_ps(q + qq * q_stride + off);
                    KEEP_IN_REGISTER(qv);
                    a[qq][0][i] = _mm512_fmadd_ps(kv0, qv, a[qq][0][i]);
                    a[qq][1][i] = _mm512_fmadd_ps(kv1, qv, a[qq][1][i]);
                }
            }
        for (int qq = 0; qq < nq; qq++)
            for (int j = 0; j < 2; j++) {
                const __m512 pair = _mm512_add_ps(a[qq][j][0], a[qq][j][1]); /* a0 + a2, then a1 + a3 */
                if (pass == 0) s02[qq][j] = pair;
                else _mm512_store_ps((j ? t1 : t0) + qq * 256, _mm512_add_ps(s02[qq][j], pair));
            }
    }
}

/* The final trees of 16 keys' folded lanes t[0..15], all at once: lane j of the result is reduce16v(t[j]). Each
 * step adds the same lane pairs as the scalar tree, gathered from several keys into one vector by shuffles. */
static inline __m512 reduce16x16(const float *t) {
    __m512 x[8], z[4], w[2];
    for (int p = 0; p < 8; p++) { /* (8+i)+i: [key 2p | key 2p+1], 8 lanes each */
        const __m512 a = _mm512_load_ps(t + 32 * p), b = _mm512_load_ps(t + 32 * p + 16);
        x[p] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)), _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)));
    }
    for (int p = 0; p < 4; p++) /* (4+i)+i: quarter s = key 4p+s, 4 lanes a0..a3 */
        z[p] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * p], x[2 * p + 1], _MM_SHUFFLE(3, 1, 3, 1)),
                             _mm512_shuffle_f32x4(x[2 * p], x[2 * p + 1], _MM_SHUFFLE(2, 0, 2, 0)));
    for (int p = 0; p < 2; p++) /* a0+a2, a1+a3: quarter s = [key 4(2p)+s: b0 b1, key 4(2p+1)+s: b0 b1] */
        w[p] = _mm512_add_ps(_mm512_shuffle_ps(z[2 * p], z[2 * p + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(z[2 * p], z[2 * p + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    /* b0 + b1: quarter s = keys s, 4+s, 8+s, 12+s; then back to key order */
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), r);
}

/* The scores of nq queries (query qq: keys lo[qq]..hi[qq]; rows q_stride apart) for the 16 keys from j0 (up to
 * hi[nq-1]; k: key j0's row, the next ones k_stride apart) into p[qq], max[qq] raised to the largest of them. The
 * query rows 64-byte aligned. */
static ALWAYS_INLINE void scores_tile(const float *q, int64_t q_stride, const float *k, int64_t k_stride, int chunks, const int nq,
                                      const int64_t *lo, const int64_t *hi, int64_t j0, float *const *p, float *max) {
    _Alignas(64) float t[QB][16][16];
    const int n = hi[nq - 1] - j0 + 1 < 16 ? (int)(hi[nq - 1] - j0 + 1) : 16;
    for (int j = 0; j < n; j += 2) /* an odd last key pairs with itself; its twin's lanes are zeroed below */
        dot_lanes2(q, q_stride, k + j * k_stride, k + (j + 1 < n ? j + 1 : j) * k_stride, chunks, nq, &t[0][j][0], &t[0][j + 1][0]);
    for (int j = n; j < 16; j++)
        for (int qq = 0; qq < nq; qq++) _mm512_store_ps(t[qq][j], _mm512_setzero_ps());
    for (int qq = 0; qq < nq; qq++) {
        const int64_t a = lo[qq] > j0 ? lo[qq] - j0 : 0, b = hi[qq] - j0 + 1 < n ? hi[qq] - j0 + 1 : n; /* its keys: lanes [a, b) */
        if (b <= a) continue;
        const __mmask16 m = (__mmask16)(((1u << b) - 1u) & ~((1u << a) - 1u));
        const __m512 s = reduce16x16(&t[qq][0][0]);
        _mm512_mask_storeu_ps(p[qq] + j0, m, s);
        const float mx = _mm512_mask_reduce_max_ps(m, s);
        if (mx > max[qq]) max[qq] = mx;
    }
}

/* One row of scores (keys lo..hi, max their maximum) into softmax probabilities in place, zeros elsewhere:
 * 16-key chunks of the full row through the vector exp, the keys from vec on through double exp, the sum in double */
static void softmax_row(float *p, int64_t tokens, int64_t vec, int64_t lo, int64_t hi, float max) {
    for (int64_t j = 0; j < lo; j++) p[j] = 0.0f;
    for (int64_t j = hi + 1; j < tokens; j++) p[j] = 0.0f;
    const __m512 vmax = _mm512_set1_ps(max);
    double sum = 0;
    for (int64_t c = lo / 16 * 16; c < vec && c <= hi; c += 16) {
        const int64_t a = lo > c ? lo - c : 0, b = hi < c + 15 ? hi - c + 1 : 16; /* lanes [a, b) are keys */
        const __mmask16 m = (__mmask16)(((1u << b) - 1u) & ~((1u << a) - 1u));
        _mm512_mask_storeu_ps(p + c, m, v_expf16(_mm512_sub_ps(_mm512_loadu_ps(p + c), vmax)));
        sum += reduce16v(_mm512_loadu_ps(p + c));
    }
    for (int64_t j = vec > lo ? vec : lo; j <= hi; j++) {
        p[j] = (float)exp((double)(p[j] - max));
        sum += p[j];
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t j = lo; j <= hi; j++) p[j] *= inv;
}

/* Position classes c1 and c2 of the 64-key blocks b0..b1 (step 64) x 32 output lanes from lane d for nq queries: acc =
 * fma(v_j, p_j, acc) in key order, query qq skipping keys outside [lo[qq], last[qq]] (only blocks at the edges of
 * some window have any). x[qq] = c1 + c2 per lane. */
static ALWAYS_INLINE void pv_pair(const class_rows *cv, int64_t d, float *const *p, int64_t b0, int64_t b1, const int64_t *lo,
                                  const int64_t *last, int64_t lo_max, int64_t last_min, const int nq, int c1, int c2, __m512 x[QB][2]) {
    __m512 a[QB][2][2];
    for (int qq = 0; qq < nq; qq++)
        for (int c = 0; c < 2; c++) a[qq][c][0] = a[qq][c][1] = _mm512_setzero_ps();
    const float *r1 = class_row(cv, b0 + c1) + d, *r2 = class_row(cv, b0 + c2) + d;
    int64_t p1 = class_p_index(cv, b0 + c1), p2 = class_p_index(cv, b0 + c2);
    for (int64_t jj = b0; jj <= b1; jj += 64, r1 += cv->stride, r2 += cv->stride, p1 += cv->p_block, p2 += cv->p_block) {
        const int full = jj >= lo_max && jj + 63 <= last_min;
        for (int c = 0; c < 2; c++) {
            const int64_t j = jj + (c ? c2 : c1), pi = c ? p2 : p1;
            const float *row = c ? r2 : r1;
            const __m512 v0 = _mm512_load_ps(row), v1 = _mm512_load_ps(row + 16);
            for (int qq = 0; qq < nq; qq++) {
                if (!full && (j < lo[qq] || j > last[qq])) continue;
                const __m512 pj = _mm512_set1_ps(p[qq][pi]);
                a[qq][c][0] = _mm512_fmadd_ps(v0, pj, a[qq][c][0]);
                a[qq][c][1] = _mm512_fmadd_ps(v1, pj, a[qq][c][1]);
            }
        }
    }
    for (int qq = 0; qq < nq; qq++)
        for (int h = 0; h < 2; h++) x[qq][h] = _mm512_add_ps(a[qq][0][h], a[qq][1][h]);
}

#define PV_LANES 32 /* output lanes of a pass over V */
#define PV_STEPS 16 /* steps of a pass: step l sums classes l, 32+l, 16+l, 48+l */
#define PV_F 512    /* floats a query's step sums take: 16 steps x 32 lanes */

/* Step l of column_dot (f32_dot.h) over 32 output lanes for nq queries: (c_l + c_32+l) + (c_16+l + c_48+l), the
 * first two steps of its fold, into f + qq * PV_F + 32 * l */
static ALWAYS_INLINE void pv_step(const class_rows *cv, int64_t d, float *const *p, const int64_t *lo, const pv_range *r, const int nq,
                                  int l, float *f) {
    __m512 x1[QB][2], x2[QB][2];
    const int64_t b0 = lo[0] / 64 * 64, b1 = r->last_max / 64 * 64;
    pv_pair(cv, d, p, b0, b1, lo, r->last, r->lo_max, r->last_min, nq, l, 32 + l, x1);
    pv_pair(cv, d, p, b0, b1, lo, r->last, r->lo_max, r->last_min, nq, 16 + l, 48 + l, x2);
    for (int qq = 0; qq < nq; qq++)
        for (int h = 0; h < 2; h++) _mm512_store_ps(f + qq * PV_F + 32 * l + 16 * h, _mm512_add_ps(x1[qq][h], x2[qq][h]));
}

/* out[qq][0..32) = column_dot of 32 output lanes for nq queries: the step sums f (when the query has keys below np)
 * folded by reduce16 per lane, then the keys from np on, unfused */
static ALWAYS_INLINE void pv_finish(const float *v, int64_t v_stride, float *const *p, const int64_t *lo, const int64_t *hi, int64_t np,
                                    const int nq, const float *f, float *const *out) {
    for (int qq = 0; qq < nq; qq++) {
        __m512 sum[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
        if (lo[qq] < np)
            for (int h = 0; h < 2; h++) {
                const float *fq = f + qq * PV_F + 16 * h;
                __m512 g[8];
                for (int i = 0; i < 8; i++) g[i] = _mm512_add_ps(_mm512_load_ps(fq + 32 * (i + 8)), _mm512_load_ps(fq + 32 * i));
                for (int i = 0; i < 4; i++) g[i] = _mm512_add_ps(g[i + 4], g[i]);
                sum[h] = _mm512_add_ps(_mm512_add_ps(g[0], g[2]), _mm512_add_ps(g[1], g[3]));
            }
        for (int64_t j = np > lo[qq] ? np : lo[qq]; j <= hi[qq]; j++) {
            const __m512 pj = _mm512_set1_ps(p[qq][j]);
            for (int h = 0; h < 2; h++) sum[h] = _mm512_add_ps(sum[h], _mm512_mul_ps(_mm512_loadu_ps(v + j * v_stride + 16 * h), pj));
        }
        for (int h = 0; h < 2; h++) _mm512_storeu_ps(out[qq] + 16 * h, sum[h]);
    }
}


#include "attention_tier.h"

int egemma_attention_avx512(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                            int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads,
                            int64_t half_window, int64_t q0, int64_t q1, float *scratch) {
    if (head_dim % 64 != 0 || head_dim > 256 || head_dim_v % 64 != 0) return 0;
    return attention_rows(q, k, v, out, tokens, q_stride, k_stride, v_stride, o_stride, head_dim, head_dim_v, heads, half_window, q0, q1, scratch);
}
#else
#error "attention_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
