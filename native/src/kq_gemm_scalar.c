/* SPDX-License-Identifier: Apache-2.0 */
/* Scalar tier of the super-block ("kq") GEMM: the block order written out as BlockDot (Java) does, on the packed
 * layout, the reference every other tier equals bit for bit: per super-block the exact int32 isum of the sub-blocks'
 * scaled dots (wrapping, as Java's int), acc = fmaf((float)isum, d_w*d_a, acc); the min term in its own pass
 * (egemma_kq_sub_min_scalar), c = acc - accMin. */
#include <math.h>

#include "egemma_internal.h"

void egemma_kq_gemm_scalar(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                           const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch;
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub;
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t j = n0; j < n1; j++) {
        const int64_t g = j / 16;
        const int col = (int)(j % 16);
        for (int64_t i = 0; i < m; i++) {
            float acc = 0.0f;
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                const int8_t *a = qa + i * k + b * EGEMMA_QK_K;
                uint32_t isum = 0;
                for (int s = 0; s < nsub; s++) {
                    int32_t dot = 0;
                    for (int e = s * sub; e < (s + 1) * sub; e++) dot += (int32_t)(int8_t)rec[KQ_Q + egemma_kq_q_at(e, col)] * a[e];
                    isum += (uint32_t)(int32_t)(int8_t)rec[KQ_SC + s * 16 + col] * (uint32_t)dot;
                }
                float dw;
                memcpy(&dw, rec + egemma_kq_d_at(format) + 4 * col, 4);
                acc = fmaf((float)(int32_t)isum, dw * da[i * nbk + b], acc);
            }
            c[i * ldc + j] = acc;
        }
    }
    if (egemma_kq_has_min(format)) egemma_kq_sub_min_scalar(format, da, bsums, m, k, packed, n0, n1, c, ldc);
}

void egemma_kq_sub_min_scalar(int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed,
                              int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t j = n0; j < n1; j++) {
        const int64_t g = j / 16;
        const int col = (int)(j % 16);
        for (int64_t i = 0; i < m; i++) {
            float acc_min = 0.0f;
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                const int16_t *bs = bsums + i * (k / 16) + b * 16;
                uint32_t msum = 0;
                for (int p = 0; p < 8; p++) {
                    int16_t pair[2];
                    memcpy(pair, rec + egemma_kq_mn_at(format) + p * 64 + col * 4, 4);
                    msum += (uint32_t)((int32_t)pair[0] * bs[2 * p] + (int32_t)pair[1] * bs[2 * p + 1]);
                }
                float dmin;
                memcpy(&dmin, rec + egemma_kq_dmin_at(format) + 4 * col, 4);
                acc_min = fmaf((float)(int32_t)msum, dmin * da[i * nbk + b], acc_min);
            }
            c[i * ldc + j] = c[i * ldc + j] - acc_min;
        }
    }
}
