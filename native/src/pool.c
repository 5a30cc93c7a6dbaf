/* SPDX-License-Identifier: Apache-2.0 */
/* The position and pooling row ops of the forward pass (include/egemma.h): NEOX RoPE, mean pooling and the L2 norm,
 * bit for bit as the Java kernels (dev.egemma.kernels.java.ScalarKernels), i.e. as llama.cpp on x86. Portable C
 * with explicit fmaf and no FP contraction; RoPE and the pooling's column dot get AVX-512 / AVX2 clones on x86-64
 * GCC, which only change the speed. */
#include <math.h>

#include "egemma_internal.h"
#include "f32_dot.h"

EGEMMA_CLONES /* the x86-64-v3/v4 clones turn fmaf into one instruction instead of a libm call */
EGEMMA_API int32_t egemma_rope_neox(float *x, int64_t tokens, int64_t row_stride, int64_t heads, int64_t head_dim,
                                    const float *cos_t, const float *sin_t, float scale) {
    if (x == NULL || cos_t == NULL || sin_t == NULL || tokens < 0 || heads < 0 || head_dim <= 0 ||
        row_stride < heads * head_dim)
        return EGEMMA_ERR_BAD_ARGUMENT;
    const int64_t half = head_dim / 2;
    for (int64_t t = 0; t < tokens; t++) {
        const float *c = cos_t + t * half, *s = sin_t + t * half;
        for (int64_t h = 0; h < heads; h++) {
            float *o = x + t * row_stride + h * head_dim;
            /* ggml's rotate_pairs as GCC contracts it (GgmlF32#rotate0/1) */
            for (int64_t i = 0; i < half; i++) {
                const float x0 = o[i], x1 = o[i + half];
                o[i] = fmaf(x0, c[i], -(x1 * s[i]));
                o[i + half] = fmaf(x0, s[i], x1 * c[i]);
            }
            if (scale != 1.0f)
                for (int64_t j = 0; j < head_dim; j++) o[j] *= scale;
        }
    }
    return 0;
}

EGEMMA_CLONES
EGEMMA_API int32_t egemma_mean_pool(const float *x, int64_t tokens, int64_t n, const float *w, float *out) {
    if (x == NULL || w == NULL || out == NULL || tokens <= 0 || n <= 0) return EGEMMA_ERR_BAD_ARGUMENT;
    float acc[64][COL_LANES]; /* position accumulators of one block of columns (16 KiB) */
    for (int64_t j = 0; j < n; j += COL_LANES)
        column_dot(x + j, n, w, 0, tokens - 1, tokens, n - j < COL_LANES ? n - j : COL_LANES, out + j, acc);
    return 0;
}

EGEMMA_API int32_t egemma_l2_normalize(float *x, int64_t n) {
    if (x == NULL || n < 0) return EGEMMA_ERR_BAD_ARGUMENT;
    double sum = 0;
    for (int64_t j = 0; j < n; j++) sum += (double)(x[j] * x[j]);
    const float norm = sum > 0 ? (float)(1.0 / sqrt(sum)) : 0.0f;
    for (int64_t j = 0; j < n; j++) x[j] *= norm;
    return 0;
}
