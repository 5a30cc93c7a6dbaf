/* AVX-512 attention of one query head (include/egemma.h, egemma_attention_head), bit-identical to the portable
 * attention.c: the same fused products, the same accumulators folded in the same order, the same exp.
 *
 * Why a tier of its own: the portable loops, even compiled for AVX-512 (target_clones), spent ~half of a batch of
 * 1,000-token texts in attention. Three things cost: each score ended in a scalar 16-lane tree (reduce16); the exp
 * ran one lane at a time; and P.V kept its 64 position accumulators per output lane in memory, a load, an FMA and a
 * store per key. Here 16 scores are reduced together in vectors (the tree's pairs are lanes of shuffled vectors),
 * ggml_v_expf runs 16 lanes wide as ggml writes it, and P.V holds 4 of the 64 position classes (l, 16+l, 32+l, 48+l:
 * exactly the ones the first two fold steps combine) x 64 output lanes in 16 registers over the whole row.
 *
 * Handles head_dim and head_dim_v that are multiples of 64 with head_dim <= 256 (the query then lives in 16
 * registers); other shapes return 0 and the caller runs the portable version. */
#include <math.h>

#include "egemma_internal.h"

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

/* The folded 16 lanes of ggml_vec_dot_f32(k_j, q) before its final tree: four 16-lane fused accumulators over the
 * 64-element chunks, then (0+2) + (1+3) */
static inline __m512 dot_lanes(const __m512 qv[16], const float *kj, int chunks) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int c = 0; c < chunks; c++) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(kj + 64 * c), qv[4 * c], a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(kj + 64 * c + 16), qv[4 * c + 1], a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(kj + 64 * c + 32), qv[4 * c + 2], a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(kj + 64 * c + 48), qv[4 * c + 3], a3);
    }
    return _mm512_add_ps(_mm512_add_ps(a0, a2), _mm512_add_ps(a1, a3));
}

/* The final trees of 16 keys' folded lanes t[0..15], all at once: lane j of the result is reduce16v(t[j]). Each
 * step adds the same lane pairs as the scalar tree, gathered from several keys into one vector by shuffles. */
static inline __m512 reduce16x16(const __m512 t[16]) {
    __m512 x[8], z[4], w[2];
    for (int p = 0; p < 8; p++) /* (8+i)+i: [key 2p | key 2p+1], 8 lanes each */
        x[p] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], _MM_SHUFFLE(3, 2, 3, 2)),
                             _mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], _MM_SHUFFLE(1, 0, 1, 0)));
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

/* Position classes l, 16+l, 32+l, 48+l of the 64-key blocks starting at b0..b1 (step 64) x 64 output lanes:
 * acc = fma(v_j, p_j, acc) in key order; keys outside [lo, last] are skipped (only the first and last blocks have
 * any, hence `edge`). Returns per lane the first two fold steps: (c_l + c_32+l) + (c_16+l + c_48+l). */
static inline void pv_classes(const float *v, int64_t v_stride, const float *p, int64_t b0, int64_t b1, int64_t lo, int64_t last,
                              int l, float *f) {
    __m512 a[4][4];
    for (int c = 0; c < 4; c++)
        for (int d = 0; d < 4; d++) a[c][d] = _mm512_setzero_ps();
    for (int64_t jj = b0; jj <= b1; jj += 64) {
        const int edge = jj < lo || jj + 63 > last;
        for (int c = 0; c < 4; c++) {
            const int64_t j = jj + l + 16 * c;
            if (edge && (j < lo || j > last)) continue;
            const __m512 pj = _mm512_set1_ps(p[j]);
            const float *vj = v + j * v_stride;
            for (int d = 0; d < 4; d++) a[c][d] = _mm512_fmadd_ps(_mm512_loadu_ps(vj + 16 * d), pj, a[c][d]);
        }
    }
    for (int d = 0; d < 4; d++)
        _mm512_store_ps(f + 16 * d, _mm512_add_ps(_mm512_add_ps(a[0][d], a[2][d]), _mm512_add_ps(a[1][d], a[3][d])));
}

/* out[0..64) = column_dot (f32_dot.h) of 64 output lanes: the position classes folded, reduce16 per lane, then the
 * keys from np on added unfused */
static void pv_block(const float *v, int64_t v_stride, const float *p, int64_t lo, int64_t hi, int64_t np, float *out) {
    _Alignas(64) float f[16][64];
    __m512 sum[4];
    for (int d = 0; d < 4; d++) sum[d] = _mm512_setzero_ps();
    if (np > 0 && lo < np) {
        const int64_t last = hi < np - 1 ? hi : np - 1;
        for (int l = 0; l < 16; l++) pv_classes(v, v_stride, p, lo / 64 * 64, last / 64 * 64, lo, last, l, f[l]);
        for (int d = 0; d < 4; d++) {
            __m512 g[8];
            for (int i = 0; i < 8; i++) g[i] = _mm512_add_ps(_mm512_load_ps(f[i + 8] + 16 * d), _mm512_load_ps(f[i] + 16 * d));
            for (int i = 0; i < 4; i++) g[i] = _mm512_add_ps(g[i + 4], g[i]);
            sum[d] = _mm512_add_ps(_mm512_add_ps(g[0], g[2]), _mm512_add_ps(g[1], g[3]));
        }
    }
    for (int64_t j = np > lo ? np : lo; j <= hi; j++) {
        const __m512 pj = _mm512_set1_ps(p[j]);
        for (int d = 0; d < 4; d++) sum[d] = _mm512_add_ps(sum[d], _mm512_mul_ps(_mm512_loadu_ps(v + j * v_stride + 16 * d), pj));
    }
    for (int d = 0; d < 4; d++) _mm512_storeu_ps(out + 16 * d, sum[d]);
}

int egemma_attention_head_avx512(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                 int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v,
                                 int64_t half_window, float *scores) {
    if (head_dim % 64 != 0 || head_dim > 256 || head_dim_v % 64 != 0) return 0;
    const int chunks = (int)(head_dim / 64);
    const int64_t vec = tokens / 16 * 16; /* keys of a row that ggml's vector exp covers */
    const int64_t np = tokens & ~(int64_t)63;
    for (int64_t i = 0; i < tokens; i++) {
        const int64_t lo = half_window < 0 ? 0 : (i - half_window > 0 ? i - half_window : 0);
        const int64_t hi = half_window < 0 ? tokens - 1 : (i + half_window < tokens - 1 ? i + half_window : tokens - 1);
        __m512 qv[16];
        for (int c = 0; c < 4 * chunks; c++) qv[c] = _mm512_loadu_ps(q + i * q_stride + 16 * c);
        /* scores of keys lo..hi, 16 at a time, and their max (order-free) */
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int64_t j0 = lo; j0 <= hi; j0 += 16) {
            const int n = hi - j0 + 1 < 16 ? (int)(hi - j0 + 1) : 16;
            __m512 t[16];
            for (int j = 0; j < 16; j++) t[j] = j < n ? dot_lanes(qv, k + (j0 + j) * k_stride, chunks) : _mm512_setzero_ps();
            const __mmask16 m = (__mmask16)((1u << n) - 1u);
            const __m512 s = reduce16x16(t);
            _mm512_mask_storeu_ps(scores + j0, m, s);
            mx = _mm512_mask_max_ps(mx, m, mx, s);
        }
        const float max = _mm512_reduce_max_ps(mx);
        for (int64_t j = 0; j < lo; j++) scores[j] = 0.0f;
        for (int64_t j = hi + 1; j < tokens; j++) scores[j] = 0.0f;
        /* softmax numerators: 16-key chunks of the full row through the vector exp, the rest through double exp */
        const __m512 vmax = _mm512_set1_ps(max);
        double sum = 0;
        for (int64_t c = lo / 16 * 16; c < vec && c <= hi; c += 16) {
            const int64_t a = lo > c ? lo - c : 0, b = hi < c + 15 ? hi - c + 1 : 16; /* lanes [a, b) are keys */
            const __mmask16 m = (__mmask16)(((1u << b) - 1u) & ~((1u << a) - 1u));
            _mm512_mask_storeu_ps(scores + c, m, v_expf16(_mm512_sub_ps(_mm512_loadu_ps(scores + c), vmax)));
            sum += reduce16v(_mm512_loadu_ps(scores + c));
        }
        for (int64_t j = vec > lo ? vec : lo; j <= hi; j++) {
            scores[j] = (float)exp((double)(scores[j] - max));
            sum += scores[j];
        }
        const float inv = (float)(1.0 / sum);
        for (int64_t j = lo; j <= hi; j++) scores[j] *= inv;
        for (int64_t d = 0; d < head_dim_v; d += 64) pv_block(v + d, v_stride, scores, lo, hi, np, out + i * o_stride + d);
    }
    return 1;
}
#else
#error "attention_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
