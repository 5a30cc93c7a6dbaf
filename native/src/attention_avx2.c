/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 attention of one query head (include/egemma.h, egemma_attention_head), bit-identical to the portable
 * attention.c and to the AVX-512 tier: the same fused products, the same accumulators folded in the same order, the
 * same exp, and keys outside a query's window skipped, not multiplied by zero.
 *
 * Why a tier of its own: AVX2 machines ran the portable loops (their x86-64-v3 clone), which reduce every score in
 * a scalar 16-lane tree, run the exp one lane at a time, keep P.V's 64 position accumulators in memory and stream
 * the head's K and V rows once per query. This is the AVX-512 tier's design on 16 ymm registers: a 16-lane vector
 * of ggml's AVX-512 order is a pair of ymm (lanes 0-7, 8-15); QB = 4 queries share every K and V row loaded; 16
 * scores' final trees are reduced together in shuffled vectors; the exp runs 8 lanes wide (lanes whose 2^n is not a
 * normal float, rare, take the scalar v_expf); P.V runs one position class at a time for 16 output lanes x 4 queries
 * (8 accumulators) and folds the 64 class sums from L1 as column_dot does.
 *
 * Handles head_dim a multiple of 64 up to 256 and head_dim_v a multiple of 16; other shapes return 0 and the caller
 * runs the portable version. */
#include <math.h>

#include "egemma_internal.h"
#include "v_expf.h"

#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>

#define QB 4                     /* queries attended together: each key and value row loaded once for all of them */
#define QT EGEMMA_ATTENTION_TILE /* queries of a tile: their groups share K and V slices in L1 */
#include "attention_tier.h"      /* pv_window; the queries loop at the end */

/* ggml_v_expf, 8 lanes: the scalar v_expf's operations lane for lane where 2^n is a normal float, v_expf itself on
 * the other lanes (|n| > 126 or NaN: zero, infinity, subnormal results through ldexpf) */
static inline __m256 v_expf8(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r), r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 res = _mm256_mul_ps(j, _mm256_castsi256_ps(bits));
    const __m256 normal = _mm256_and_ps(_mm256_cmp_ps(n, _mm256_set1_ps(-126.0f), _CMP_GE_OQ), _mm256_cmp_ps(n, _mm256_set1_ps(127.0f), _CMP_LE_OQ));
    const int odd = ~_mm256_movemask_ps(normal) & 0xff;
    if (odd) {
        float xs[8], rs[8];
        _mm256_storeu_ps(xs, x);
        _mm256_storeu_ps(rs, res);
        for (int l = 0; l < 8; l++)
            if ((odd >> l) & 1) rs[l] = v_expf(xs[l]);
        res = _mm256_loadu_ps(rs);
    }
    return res;
}

/* reduce16 (f32_dot.h) of the 16 lanes lo | hi: (8+i)+i, then (4+i)+i, then (0+2)+(1+3) */
static inline float reduce16v(__m256 lo, __m256 hi) {
    const __m256 t = _mm256_add_ps(hi, lo);
    const __m128 a = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a)); /* a0+a2, a1+a3 */
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
}

/* lanes [a, b) of 8 as a mask vector */
static inline __m256i lane_mask(int64_t a, int64_t b) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32((int)a - 1)), _mm256_cmpgt_epi32(_mm256_set1_epi32((int)b), idx));
}

/* The folded 16 lanes of ggml_vec_dot_f32(k_j, q) of nq queries (rows q_stride apart) before its final tree: four
 * 16-lane fused accumulators over the 64-element chunks (accumulator e over chunks c, one e at a time: each one's
 * order is unchanged), then (0+2) + (1+3); stored at t + qq * 256 */
static ALWAYS_INLINE void dot_lanes(const float *q, int64_t q_stride, const float *kj, int chunks, const int nq, float *t) {
    __m256 s[QB][4][2];
    for (int e = 0; e < 4; e++) {
        __m256 a[QB][2];
        for (int qq = 0; qq < nq; qq++) a[qq][0] = a[qq][1] = _mm256_setzero_ps();
        for (int c = 0; c < chunks; c++)
            for (int h = 0; h < 2; h++) {
                const __m256 kv = _mm256_loadu_ps(kj + 64 * c + 16 * e + 8 * h);
                for (int qq = 0; qq < nq; qq++) a[qq][h] = _mm256_fmadd_ps(kv, _mm256_load_ps(q + qq * q_stride + 64 * c + 16 * e + 8 * h), a[qq][h]);
            }
        for (int qq = 0; qq < nq; qq++) s[qq][e][0] = a[qq][0], s[qq][e][1] = a[qq][1];
    }
    for (int qq = 0; qq < nq; qq++)
        for (int h = 0; h < 2; h++)
            _mm256_store_ps(t + qq * 256 + 8 * h, _mm256_add_ps(_mm256_add_ps(s[qq][0][h], s[qq][2][h]), _mm256_add_ps(s[qq][1][h], s[qq][3][h])));
}

/* The final trees of 16 keys' folded lanes t[0..15] (16 floats each), all at once: lane j of out is reduce16(t[j]).
 * Each step adds the same lane pairs as the scalar tree, gathered from several keys into one vector by shuffles. */
static inline void reduce16x16(const float *t, __m256 out[2]) {
    __m256 x[8], w[4];
    for (int p = 0; p < 8; p++) { /* (8+i)+i of keys 2p, 2p+1, then (4+i)+i: [key 2p: a0..a3 | key 2p+1: a0..a3] */
        const __m256 u0 = _mm256_add_ps(_mm256_load_ps(t + 32 * p + 8), _mm256_load_ps(t + 32 * p));
        const __m256 u1 = _mm256_add_ps(_mm256_load_ps(t + 32 * p + 24), _mm256_load_ps(t + 32 * p + 16));
        x[p] = _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x31), _mm256_permute2f128_ps(u0, u1, 0x20));
    }
    for (int r = 0; r < 4; r++) /* a0+a2, a1+a3: [key 4r: b0 b1, key 4r+2: b0 b1 | key 4r+1: b0 b1, key 4r+3: b0 b1] */
        w[r] = _mm256_add_ps(_mm256_shuffle_ps(x[2 * r], x[2 * r + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm256_shuffle_ps(x[2 * r], x[2 * r + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int h = 0; h < 2; h++) { /* b0 + b1: [keys 8h+0, 2, 4, 6 | 8h+1, 3, 5, 7], then back to key order */
        const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(w[2 * h], w[2 * h + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                                       _mm256_shuffle_ps(w[2 * h], w[2 * h + 1], _MM_SHUFFLE(3, 1, 3, 1)));
        out[h] = _mm256_permutevar8x32_ps(r, order);
    }
}

/* The scores of nq queries (query qq: keys lo[qq]..hi[qq]; rows q_stride apart) for the 16 keys from j0 (up to
 * hi[nq-1]; k: key j0's row, the next ones k_stride apart) into p[qq], max[qq] raised to the largest of them. The
 * query rows 32-byte aligned. The maximum keeps the scalar loop's `if (s > max)`: vmaxps(s, max) returns
 * max unless s is greater. */
static ALWAYS_INLINE void scores_tile(const float *q, int64_t q_stride, const float *k, int64_t k_stride, int chunks, const int nq,
                                      const int64_t *lo, const int64_t *hi, int64_t j0, float *const *p, float *max) {
    _Alignas(32) float t[QB][16][16];
    const int n = hi[nq - 1] - j0 + 1 < 16 ? (int)(hi[nq - 1] - j0 + 1) : 16;
    for (int j = 0; j < 16; j++) {
        if (j < n) {
            dot_lanes(q, q_stride, k + j * k_stride, chunks, nq, &t[0][j][0]);
        } else {
            for (int qq = 0; qq < nq; qq++) _mm256_store_ps(t[qq][j], _mm256_setzero_ps()), _mm256_store_ps(t[qq][j] + 8, _mm256_setzero_ps());
        }
    }
    for (int qq = 0; qq < nq; qq++) {
        const int64_t a = lo[qq] > j0 ? lo[qq] - j0 : 0, b = hi[qq] - j0 + 1 < n ? hi[qq] - j0 + 1 : n; /* its keys: lanes [a, b) */
        if (b <= a) continue;
        __m256 s[2], mx = _mm256_set1_ps(-INFINITY);
        reduce16x16(&t[qq][0][0], s);
        for (int h = 0; h < 2; h++) {
            const __m256i m = lane_mask(a - 8 * h, b - 8 * h);
            _mm256_maskstore_ps(p[qq] + j0 + 8 * h, m, s[h]);
            mx = _mm256_max_ps(_mm256_blendv_ps(_mm256_set1_ps(-INFINITY), s[h], _mm256_castsi256_ps(m)), mx);
        }
        float m8[8];
        _mm256_storeu_ps(m8, mx);
        for (int l = 0; l < 8; l++) max[qq] = m8[l] > max[qq] ? m8[l] : max[qq];
    }
}

/* One row of scores (keys lo..hi, max their maximum) into softmax probabilities in place, zeros elsewhere:
 * 16-key chunks of the full row through the vector exp, the keys from vec on through double exp, the sum in double */
static void softmax_row(float *p, int64_t tokens, int64_t vec, int64_t lo, int64_t hi, float max) {
    for (int64_t j = 0; j < lo; j++) p[j] = 0.0f;
    for (int64_t j = hi + 1; j < tokens; j++) p[j] = 0.0f;
    const __m256 vmax = _mm256_set1_ps(max);
    double sum = 0;
    for (int64_t c = lo / 16 * 16; c < vec && c <= hi; c += 16) {
        const int64_t a = lo > c ? lo - c : 0, b = hi < c + 15 ? hi - c + 1 : 16; /* lanes [a, b) are keys */
        for (int h = 0; h < 2; h++)
            _mm256_maskstore_ps(p + c + 8 * h, lane_mask(a - 8 * h, b - 8 * h), v_expf8(_mm256_sub_ps(_mm256_loadu_ps(p + c + 8 * h), vmax)));
        sum += reduce16v(_mm256_loadu_ps(p + c), _mm256_loadu_ps(p + c + 8));
    }
    for (int64_t j = vec > lo ? vec : lo; j <= hi; j++) {
        p[j] = (float)exp((double)(p[j] - max));
        sum += p[j];
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t j = lo; j <= hi; j++) p[j] *= inv;
}

#define PV_LANES 16 /* output lanes of a pass over V */
#define PV_STEPS 64 /* steps of a pass: one position class each */
#define PV_F 1024   /* floats a query's class sums take: 64 classes x 16 lanes */

/* Class c of column_dot (f32_dot.h) over 16 output lanes for nq queries: acc_c = fma(v_j, p_j, acc_c) in key order
 * over j = c mod 64 (query qq skipping keys outside [lo[qq], last[qq]]; only blocks at the edges of some window have
 * any), into f + qq * PV_F + 16 * c */
static ALWAYS_INLINE void pv_step(const class_rows *cv, int64_t d, float *const *p, const int64_t *lo, const pv_range *r, const int nq,
                                  int c, float *f) {
    __m256 a[QB][2];
    for (int qq = 0; qq < nq; qq++) a[qq][0] = a[qq][1] = _mm256_setzero_ps();
    const float *row = class_row(cv, lo[0] / 64 * 64 + c) + d;
    int64_t pi = class_p_index(cv, lo[0] / 64 * 64 + c);
    for (int64_t jj = lo[0] / 64 * 64; jj <= r->last_max / 64 * 64; jj += 64, row += cv->stride, pi += cv->p_block) {
        const int full = jj >= r->lo_max && jj + 63 <= r->last_min;
        const int64_t j = jj + c;
        const __m256 v0 = _mm256_load_ps(row), v1 = _mm256_load_ps(row + 8);
        for (int qq = 0; qq < nq; qq++) {
            if (!full && (j < lo[qq] || j > r->last[qq])) continue;
            const __m256 pj = _mm256_set1_ps(p[qq][pi]);
            a[qq][0] = _mm256_fmadd_ps(v0, pj, a[qq][0]);
            a[qq][1] = _mm256_fmadd_ps(v1, pj, a[qq][1]);
        }
    }
    for (int qq = 0; qq < nq; qq++) _mm256_store_ps(f + qq * PV_F + 16 * c, a[qq][0]), _mm256_store_ps(f + qq * PV_F + 16 * c + 8, a[qq][1]);
}

/* out[qq][0..16) = column_dot of 16 output lanes for nq queries: the 64 class sums f (when the query has keys below
 * np) folded as column_dot folds them, reduce16 per lane, then the keys from np on, unfused */
static ALWAYS_INLINE void pv_finish(const float *v, int64_t v_stride, float *const *p, const int64_t *lo, const int64_t *hi, int64_t np,
                                    const int nq, const float *f, float *const *out) {
    for (int qq = 0; qq < nq; qq++) {
        __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
        if (lo[qq] < np)
            for (int h = 0; h < 2; h++) {
                const float *cls = f + qq * PV_F + 8 * h;
                __m256 g[16];
                for (int l = 0; l < 16; l++) /* (c_l + c_32+l) + (c_16+l + c_48+l) */
                    g[l] = _mm256_add_ps(_mm256_add_ps(_mm256_load_ps(cls + 16 * l), _mm256_load_ps(cls + 16 * (32 + l))),
                                         _mm256_add_ps(_mm256_load_ps(cls + 16 * (16 + l)), _mm256_load_ps(cls + 16 * (48 + l))));
                for (int i = 0; i < 8; i++) g[i] = _mm256_add_ps(g[i + 8], g[i]);
                for (int i = 0; i < 4; i++) g[i] = _mm256_add_ps(g[i + 4], g[i]);
                sum[h] = _mm256_add_ps(_mm256_add_ps(g[0], g[2]), _mm256_add_ps(g[1], g[3]));
            }
        for (int64_t j = np > lo[qq] ? np : lo[qq]; j <= hi[qq]; j++) {
            const __m256 pj = _mm256_set1_ps(p[qq][j]);
            for (int h = 0; h < 2; h++) sum[h] = _mm256_add_ps(sum[h], _mm256_mul_ps(_mm256_loadu_ps(v + j * v_stride + 8 * h), pj));
        }
        for (int h = 0; h < 2; h++) _mm256_storeu_ps(out[qq] + 8 * h, sum[h]);
    }
}


#include "attention_tier.h"

int egemma_attention_avx2(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                          int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads,
                          int64_t half_window, int64_t q0, int64_t q1, float *scratch) {
    if (head_dim % 64 != 0 || head_dim > 256 || head_dim_v % 16 != 0) return 0;
    return attention_rows(q, k, v, out, tokens, q_stride, k_stride, v_stride, o_stride, head_dim, head_dim_v, heads, half_window, q0, q1, scratch);
}
#else
#error "attention_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
