/* SPDX-License-Identifier: Apache-2.0 */
/* F32/F16/BF16 GEMM (include/egemma.h, egemma_float_gemm): the scalar tier of the tinyBLAS order (k a multiple of 16)
 * and the ggml_vec_dot_f32 order every tier uses when k is not (no EmbeddingGemma shape: only small synthetic models
 * meet it). Both exactly as dev.egemma.kernels.java.ScalarKernels#matmulFloat, with explicit fmaf and no contraction. */
#include "float_gemm.h"
#include "f32_dot.h"

/* tinyBLAS F32, one output: lane r of the 16-lane accumulator takes the elements l with l mod 16 == r, fused */
EGEMMA_CLONES /* the x86-64-v3/v4 clones turn fmaf into one instruction instead of a libm call */
void egemma_float_gemm_scalar(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1,
                              float *c, int64_t ldc) {
    const int64_t rb = k * egemma_float_type_bytes(wtype);
    for (int64_t j = n0; j < n1; j++) {
        const uint8_t *wj = w + j * rb;
        for (int64_t i = 0; i < m; i++) {
            const float *ai = a + i * k;
            float acc[16] = {0};
            for (int64_t l = 0; l < k; l += 16)
                for (int r = 0; r < 16; r++) acc[r] = fmaf(ai[l + r], egemma_float_weight(wj, wtype, l + r), acc[r]);
            c[i * ldc + j] = reduce16(acc);
        }
    }
}

/* k not a multiple of 16: ggml_vec_dot_f32 per output (f32_dot.h), each weight widened as it is read */
EGEMMA_CLONES
void egemma_float_gemm_vec_dot(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1,
                               float *c, int64_t ldc) {
    const int64_t rb = k * egemma_float_type_bytes(wtype), np = k & ~(int64_t)63;
    for (int64_t j = n0; j < n1; j++) {
        const uint8_t *wj = w + j * rb;
        for (int64_t i = 0; i < m; i++) {
            const float *ai = a + i * k;
            float sum = 0.0f;
            if (np > 0) {
                float acc[64] = {0};
                for (int64_t e = 0; e < np; e++) acc[e & 63] = fmaf(ai[e], egemma_float_weight(wj, wtype, e), acc[e & 63]);
                sum = fold64(acc);
            }
            for (int64_t e = np; e < k; e++) sum += ai[e] * egemma_float_weight(wj, wtype, e);
            c[i * ldc + j] = sum;
        }
    }
}
