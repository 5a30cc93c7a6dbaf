/* SPDX-License-Identifier: Apache-2.0 */
/* ggml_vec_dot_f32 in llama.cpp's x86 AVX-512 order, shared by attention.c and pool.c (static inline helpers: each
 * includer's target_clones compiles them for its ISA). Callers build with -ffp-contract=off: every fused step is an
 * explicit fmaf, so every build computes the same bits as dev.egemma.kernels.java.GgmlF32. */
#ifndef EGEMMA_F32_DOT_H
#define EGEMMA_F32_DOT_H

#include <math.h>
#include <stdint.h>

#include "egemma_internal.h" /* ALWAYS_INLINE: the helpers must inline into each clone to be compiled for its ISA */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define EGEMMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EGEMMA_CLONES
#endif

/* _mm512_reduce_add_ps's order: halves of 256, then 128 bits, then the four lanes pairwise */
static ALWAYS_INLINE float reduce16(const float *v) {
    float t[8];
    for (int i = 0; i < 8; i++) t[i] = v[i + 8] + v[i];
    const float a0 = t[4] + t[0], a1 = t[5] + t[1], a2 = t[6] + t[2], a3 = t[7] + t[3];
    return (a0 + a2) + (a1 + a3);
}

/* ggml_vec_dot_f32's four 16-lane accumulators (acc[16*a + lane]) to one float: (0+2, 1+3), (0+1), then reduce16 */
static ALWAYS_INLINE float fold64(float acc[64]) {
    for (int l = 0; l < 16; l++) {
        acc[l] += acc[32 + l];
        acc[16 + l] += acc[48 + l];
    }
    for (int l = 0; l < 16; l++) acc[l] += acc[16 + l];
    return reduce16(acc);
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
        sum = fold64(acc);
    }
    for (int64_t i = np; i < n; i++) sum += x[i] * y[i];
    return sum;
}

/* Output lanes of a column dot computed together: their 64 position accumulators (64 x COL_LANES floats) stay in L1. */
#define COL_LANES 64

/* out[d] = ggml_vec_dot_f32 over n rows of (v[.][d], p) of which only rows lo..hi have non-zero p, for d in
 * [0, lanes) (rows v_stride floats apart): each row lands in the accumulator (j mod 64) its position in the full
 * n gives it, as dev.egemma.kernels.java.ScalarKernels#rowDot, vectorized across the output lanes. acc: scratch. */
static ALWAYS_INLINE void column_dot(const float *v, int64_t v_stride, const float *p, int64_t lo, int64_t hi, int64_t n,
                                   int64_t lanes, float *out, float acc[64][COL_LANES]) {
    const int64_t np = n & ~(int64_t)63;
    float sum[COL_LANES];
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

#endif /* EGEMMA_F32_DOT_H */
