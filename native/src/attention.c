/* SPDX-License-Identifier: Apache-2.0 */
/* Attention of one query head over one sequence (include/egemma.h, egemma_attention, one head at a time; egemma.c checks the
 * arguments and picks this or a tier's version, attention_avx2.c / attention_avx512.c). Portable C with
 * explicit fmaf and no FP contraction, so every build computes the same bits; on x86-64 GCC builds AVX-512 and
 * AVX2+FMA clones of the hot loops (target_clones, chosen at load by the CPU), which only change the speed.
 * One row of scores lives in the caller's scratch at a time, so memory stays linear in the sequence length. */
#include <math.h>

#include "egemma_internal.h"
#include "f32_dot.h"
#include "v_expf.h"

EGEMMA_CLONES
void egemma_attention_head_portable(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                    int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v,
                                    int64_t half_window, int64_t q0, int64_t q1, float *scores) {
    const int64_t vec = tokens / 16 * 16;       /* keys of a row that ggml's vector exp covers */
    float acc[64][COL_LANES]; /* P.V position accumulators of one block of output lanes (16 KiB) */
    for (int64_t i = q0; i < q1; i++) {
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
        /* full blocks with the lane count a constant, so that their sums can stay in registers */
        int64_t d = 0;
        for (; d + COL_LANES <= head_dim_v; d += COL_LANES) column_dot(v + d, v_stride, scores, lo, hi, tokens, COL_LANES, oi + d, acc);
        if (d < head_dim_v) column_dot(v + d, v_stride, scores, lo, hi, tokens, head_dim_v - d, oi + d, acc);
    }
}
