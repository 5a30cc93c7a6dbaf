/* SPDX-License-Identifier: Apache-2.0 */
/* Scalar Q8_0 GEMM tier on the packed layout, in llama.cpp's x86 order (llamafile tinyBLAS_Q0_AVX), the order
 * of the Java scalar reference (GgmlQ8Matmul.scalar), so the two agree bit for bit:
 * every output keeps eight float lanes; lane l of a block is the exact int32 sum of products 4l..4l+3; per
 * block lane_l = fmaf(d_w*d_a, (float)lane_int_l, lane_l) (the scale a rounded float product, then one fused
 * rounding: fmaf is explicit because the build uses -ffp-contract=off); at the end
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
 * egemma_q8_0_gemm_block_scalar: the block order (EGEMMA_Q8_0_ORDER_BLOCK), acc = fmaf((float)isum, d_w*d_a, acc) per
 * block, the reference every tier's block kernel equals bit for bit. */
#include <math.h>

#include "egemma_internal.h"

static inline float hsum8(const float *l) {
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

void egemma_q8_0_gemm_scalar(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                             int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch; /* this tier needs none */
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t j = n0; j < n1; j++) {
        const int64_t g = j / EGEMMA_Q8_0_PACK_COLS;
        const int col = (int)(j % EGEMMA_Q8_0_PACK_COLS);
        for (int64_t i = 0; i < m; i++) {
            float lane[8] = {0};
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *rec = egemma_pack_record(packed, g, nb, blk);
                const int8_t *q = (const int8_t *)(rec + PK_Q);
                const int8_t *a = qa + i * k + blk * EGEMMA_QK8_0;
                const float dw = egemma_fp16_to_fp32(egemma_pack_scales(packed, g, nb, blk)[col]);
                const float sc = dw * da[i * nb + blk];
                for (int l = 0; l < 8; l++) {
                    int32_t s = 0;
                    for (int t = 0; t < 4; t++) s += (int32_t)a[4 * l + t] * q[l * 64 + col * 4 + t];
                    lane[l] = fmaf(sc, (float)s, lane[l]);
                }
            }
            c[i * ldc + j] = hsum8(lane);
        }
    }
}

void egemma_q8_0_gemm_block_scalar(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                                   int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch;
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t j = n0; j < n1; j++) {
        const int64_t g = j / EGEMMA_Q8_0_PACK_COLS;
        const int col = (int)(j % EGEMMA_Q8_0_PACK_COLS);
        for (int64_t i = 0; i < m; i++) {
            float acc = 0.0f;
            for (int64_t blk = 0; blk < nb; blk++) {
                const int8_t *q = (const int8_t *)(egemma_pack_record(packed, g, nb, blk) + PK_Q);
                const int8_t *a = qa + i * k + blk * EGEMMA_QK8_0;
                int32_t s = 0;
                for (int l = 0; l < 8; l++)
                    for (int t = 0; t < 4; t++) s += (int32_t)a[4 * l + t] * q[l * 64 + col * 4 + t];
                const float dw = egemma_fp16_to_fp32(egemma_pack_scales(packed, g, nb, blk)[col]);
                acc = fmaf((float)s, dw * da[i * nb + blk], acc);
            }
            c[i * ldc + j] = acc;
        }
    }
}
