/* Scalar Q8_0 GEMM tier on the packed layout: per output, per block an exact int32 dot, then
 * acc += (float)isum * (d_w * d_a) with the product and the sum rounded separately (-ffp-contract=off), the
 * order of the Java scalar reference (ScalarKernels.matmulQ8) and of ggml's generic ggml_vec_dot_q8_0_q8_0,
 * so the two agree bit for bit. */
#include "egemma_internal.h"

void egemma_q8_0_gemm_scalar(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                             int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t j = n0; j < n1; j++) {
        const int64_t g = j / EGEMMA_Q8_0_PACK_COLS;
        const int col = (int)(j % EGEMMA_Q8_0_PACK_COLS);
        for (int64_t i = 0; i < m; i++) {
            float acc = 0.0f;
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *rec = egemma_pack_record(packed, g, nb, blk);
                const int8_t *q = (const int8_t *)(rec + PK_Q);
                const int8_t *a = qa + i * k + blk * EGEMMA_QK8_0;
                int32_t isum = 0;
                for (int t = 0; t < EGEMMA_QK8_0; t++) isum += (int32_t)a[t] * q[(t / 4) * 64 + col * 4 + t % 4];
                float dw;
                memcpy(&dw, rec + PK_D + 4 * col, sizeof dw);
                acc += (float)isum * (dw * da[i * nb + blk]);
            }
            c[i * ldc + j] = acc;
        }
    }
}
