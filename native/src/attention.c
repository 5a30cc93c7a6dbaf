/* Attention of one query head over one sequence (include/egemma.h, egemma_attention_head). Portable C with
 * explicit fmaf and no FP contraction, so every build computes the same bits; on x86-64 GCC builds AVX-512 and
 * AVX2+FMA clones of the hot loops (target_clones, chosen at load by the CPU), which only change the speed.
 * One row of scores lives in the caller's scratch at a time, so memory stays linear in the sequence length. */
#include <math.h>

#include "egemma_internal.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define EGEMMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EGEMMA_CLONES
#endif
/* the helpers must inline into each clone to be compiled for its ISA */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* _mm512_reduce_add_ps's order: halves of 256, then 128 bits, then the four lanes pairwise */
static ALWAYS_INLINE float reduce16(const float *v) {
    float t[8];
    for (int i = 0; i < 8; i++) t[i] = v[i + 8] + v[i];
    const float a0 = t[4] + t[0], a1 = t[5] + t[1], a2 = t[6] + t[2], a3 = t[7] + t[3];
    return (a0 + a2) + (a1 + a3);
}

/* ggml_vec_dot_f32 (AVX-512 build) as dev.egemma.kernels.java.GgmlF32#vecDot: 64-element chunks into four 16-lane
 * fused accumulators, folded (0+2, 1+3), (0+1), then reduce16; the leftover elements added one by one, unfused */
static ALWAYS_INLINE float vec_dot_f32(const float *x, const float *y, int64_t n) {
    const int64_t np = n & ~(int64_t)63;
    float sum = 0.0f;
    if (np > 0) {
        float acc[64] = {0};
        for (int64_t i = 0; i < np; i += 64)
            for (int e = 0; e < 64; e++) acc[e] = fmaf(x[i + e], y[i + e], acc[e]);
        for (int l = 0; l < 16; l++) {
            acc[l] += acc[32 + l];
            acc[16 + l] += acc[48 + l];
        }
        for (int l = 0; l < 16; l++) acc[l] += acc[16 + l];
        sum = reduce16(acc);
    }
    for (int64_t i = np; i < n; i++) sum += x[i] * y[i];
    return sum;
}

/* Output lanes of P.V computed together: their 64 position accumulators (64 x PV_LANES floats) stay in L1. */
#define PV_LANES 64

/* out[d] = ggml_vec_dot_f32 over the row of n keys of (v[.][d], p), of which only lo..hi are non-zero, for d in
 * [0, lanes): each key lands in the accumulator (j mod 64) its position in the full row gives it, as
 * dev.egemma.kernels.java.ScalarKernels#rowDot, vectorized across the output lanes. */
static ALWAYS_INLINE void pv_block(const float *v, int64_t v_stride, const float *p, int64_t lo, int64_t hi, int64_t n,
                                   int64_t lanes, float *out, float acc[64][PV_LANES]) {
    const int64_t np = n & ~(int64_t)63;
    float sum[PV_LANES];
    for (int64_t d = 0; d < lanes; d++) sum[d] = 0.0f;
    if (np > 0 && lo < np) {
        for (int r = 0; r < 64; r++)
            for (int64_t d = 0; d < lanes; d++) acc[r][d] = 0.0f;
        const int64_t last = hi < np - 1 ? hi : np - 1;
        for (int64_t j = lo; j <= last; j++) {
            float *a = acc[j & 63];
            const float *vj = v + j * v_stride;
            const float pj = p[j];
            for (int64_t d = 0; d < lanes; d++) a[d] = fmaf(vj[d], pj, a[d]);
        }
        for (int l = 0; l < 16; l++)
            for (int64_t d = 0; d < lanes; d++) {
                acc[l][d] += acc[32 + l][d];
                acc[16 + l][d] += acc[48 + l][d];
            }
        for (int l = 0; l < 16; l++)
            for (int64_t d = 0; d < lanes; d++) acc[l][d] += acc[16 + l][d];
        /* reduce16 per lane: (8+i)+i, then (4+i)+i, then (0+2)+(1+3) */
        for (int i = 0; i < 8; i++)
            for (int64_t d = 0; d < lanes; d++) acc[i][d] = acc[i + 8][d] + acc[i][d];
        for (int i = 0; i < 4; i++)
            for (int64_t d = 0; d < lanes; d++) acc[i][d] = acc[i + 4][d] + acc[i][d];
        for (int64_t d = 0; d < lanes; d++) sum[d] = (acc[0][d] + acc[2][d]) + (acc[1][d] + acc[3][d]);
    }
    for (int64_t j = np > lo ? np : lo; j <= hi; j++) {
        const float *vj = v + j * v_stride;
        const float pj = p[j];
        for (int64_t d = 0; d < lanes; d++) sum[d] += vj[d] * pj;
    }
    for (int64_t d = 0; d < lanes; d++) out[d] = sum[d];
}

/* one lane of ggml_v_expf (AVX-512), as dev.egemma.kernels.java.GgmlExp#vexpf */
static ALWAYS_INLINE float v_expf(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    if (n != n) return n;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    return ldexpf(j, (int)n);
}

EGEMMA_CLONES
EGEMMA_API int32_t egemma_attention_head(const float *q, const float *k, const float *v, float *out, int64_t tokens,
                                         int64_t q_stride, int64_t k_stride, int64_t v_stride, int64_t o_stride,
                                         int64_t head_dim, int64_t head_dim_v, int64_t half_window, float *scores) {
    if (q == NULL || k == NULL || v == NULL || out == NULL || scores == NULL || tokens < 0 || head_dim <= 0 ||
        head_dim_v <= 0 || q_stride < head_dim || k_stride < head_dim || v_stride < head_dim_v || o_stride < head_dim_v)
        return EGEMMA_ERR_BAD_ARGUMENT;
    const int64_t vec = tokens / 16 * 16;       /* keys of a row that ggml's vector exp covers */
    float acc[64][PV_LANES]; /* P.V position accumulators of one block of output lanes (16 KiB) */
    for (int64_t i = 0; i < tokens; i++) {
        const int64_t lo = half_window < 0 ? 0 : (i - half_window > 0 ? i - half_window : 0);
        const int64_t hi = half_window < 0 ? tokens - 1 : (i + half_window < tokens - 1 ? i + half_window : tokens - 1);
        const float *qi = q + i * q_stride;
        float max = -INFINITY;
        for (int64_t j = lo; j <= hi; j++) {
            const float s = vec_dot_f32(k + j * k_stride, qi, head_dim);
            scores[j] = s;
            if (s > max) max = s;
        }
        /* softmax numerators and their double sum, 16-key chunks through the AVX-512 tree as ggml */
        for (int64_t j = 0; j < lo; j++) scores[j] = 0.0f;
        for (int64_t j = hi + 1; j < tokens; j++) scores[j] = 0.0f;
        for (int64_t j = lo; j <= hi; j++) scores[j] = j < vec ? v_expf(scores[j] - max) : (float)exp((double)(scores[j] - max));
        double sum = 0;
        for (int64_t c = lo / 16 * 16; c < vec && c <= hi; c += 16) sum += reduce16(scores + c);
        for (int64_t j = vec > lo ? vec : lo; j <= hi; j++) sum += scores[j];
        const float inv = (float)(1.0 / sum);
        for (int64_t j = lo; j <= hi; j++) scores[j] *= inv;
        float *oi = out + i * o_stride;
        for (int64_t d = 0; d < head_dim_v; d += PV_LANES)
            pv_block(v + d, v_stride, scores, lo, hi, tokens, head_dim_v - d < PV_LANES ? head_dim_v - d : PV_LANES, oi + d, acc);
    }
    return 0;
}
