/* SPDX-License-Identifier: Apache-2.0 */
/* The super-block ("kq") formats' weight packing, their Q8_K activation quantizer, and the Q8_1 sums and min term
 * of Q4_1/Q5_1: portable C without ISA flags (packing runs once per matrix; the quantizers once per product and row,
 * linear in its size; the reference every tier's products are checked against is BlockDot in Java and
 * egemma_kq_gemm_scalar here). */
#include <math.h>

#include "egemma_internal.h"

void egemma_kq_pack_rows(int32_t format, const int8_t *q, const int8_t *sc, const int8_t *mn, const float *d, const float *dmin,
                         int64_t j0, int64_t rows, int64_t n, int64_t k, uint8_t *dst) {
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub, has_min = egemma_kq_has_min(format);
    const int64_t nbk = k / EGEMMA_QK_K, rb = egemma_kq_record_bytes(format);
    const int64_t g_end = j0 + rows == n ? (n + 15) / 16 : (j0 + rows) / 16;
    for (int64_t g = j0 / 16; g < g_end; g++) {
        for (int64_t b = 0; b < nbk; b++) {
            uint8_t *rec = dst + (g * nbk + b) * rb;
            memset(rec, 0, (size_t)rb); /* pad columns: zero quants, scales and mins contribute exactly 0 */
            for (int col = 0; col < 16; col++) {
                const int64_t j = g * 16 + col, r = j - j0;
                if (j >= n) continue;
                const int8_t *qr = q + r * k + b * EGEMMA_QK_K;
                const int8_t *scr = sc + r * (k / sub) + b * nsub;
                int32_t corr = 0;
                for (int s = 0; s < nsub; s++) {
                    int32_t qsum = 0;
                    for (int e = s * sub; e < (s + 1) * sub; e++) {
                        rec[KQ_Q + egemma_kq_q_at(e, col)] = (uint8_t)qr[e];
                        qsum += qr[e];
                    }
                    rec[KQ_SC + s * 16 + col] = (uint8_t)scr[s];
                    corr = (int32_t)((uint32_t)corr + (uint32_t)scr[s] * (uint32_t)qsum); /* wraps as Java's int */
                }
                corr = (int32_t)((uint32_t)corr * 128u);
                memcpy(rec + egemma_kq_corr_at(format) + 4 * col, &corr, 4);
                memcpy(rec + egemma_kq_d_at(format) + 4 * col, d + r * nbk + b, 4);
                if (has_min) {
                    const int8_t *mnr = mn + r * (k / sub) + b * nsub;
                    for (int p = 0; p < 8; p++) {
                        /* the mins of the 16-element halves 2p and 2p+1 */
                        const int16_t pair[2] = {mnr[2 * p * 16 / sub], mnr[(2 * p + 1) * 16 / sub]};
                        memcpy(rec + egemma_kq_mn_at(format) + p * 64 + col * 4, pair, 4);
                    }
                    memcpy(rec + egemma_kq_dmin_at(format) + 4 * col, dmin + r * nbk + b, 4);
                }
            }
        }
    }
}

/* Java's (int) of a double: NaN 0, saturating outside int32 */
static inline int32_t java_int(float r) {
    if (r != r) return 0;
    if (r >= 2147483648.0f) return INT32_MAX;
    if (r <= -2147483648.0f) return INT32_MIN;
    return (int32_t)r;
}

void egemma_q8_k_quantize_scalar(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t b = 0; b < nbk; b++) {
            const float *xb = x + i * k + b * EGEMMA_QK_K;
            int8_t *q = qa + i * k + b * EGEMMA_QK_K;
            int16_t *bs = bsums + i * (k / 16) + b * 16;
            float max = 0.0f, amax = 0.0f;
            for (int j = 0; j < EGEMMA_QK_K; j++) {
                const float ax = fabsf(xb[j]);
                if (ax > amax) {
                    amax = ax;
                    max = xb[j];
                }
            }
            if (amax == 0.0f) {
                egemma_q8_k_zero_block(q, da + i * nbk + b, bs);
                continue;
            }
            const float iscale = -127.0f / max;
            for (int j = 0; j < EGEMMA_QK_K; j++) {
                int32_t v = java_int(rintf(iscale * xb[j]));
                if (v > 127) v = 127;
                q[j] = (int8_t)(uint8_t)(uint32_t)v; /* the low byte, as Java's (byte) */
            }
            for (int s = 0; s < 16; s++) {
                int32_t sum = 0;
                for (int j = 0; j < 16; j++) sum += q[16 * s + j];
                bs[s] = (int16_t)sum;
            }
            da[i * nbk + b] = 1.0f / iscale;
        }
    }
}

/* x86's cvtps2dq of an already rounded value: INT_MIN for NaN and outside int32 */
static inline int32_t cvtps(float r) {
    return r >= -2147483648.0f && r < 2147483648.0f ? (int32_t)r : INT32_MIN;
}

void egemma_q8_1_sums_rows(const float *x, int64_t k, int64_t i0, int64_t i1, float *sa) {
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = x + i * k + b * EGEMMA_QK8_0;
            float amax = 0.0f;
            for (int j = 0; j < EGEMMA_QK8_0; j++) {
                const float a = fabsf(xb[j]);
                amax = a != a || amax != amax ? NAN : a > amax ? a : amax; /* Java's Math.max: NaN wins */
            }
            const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            uint32_t sum = 0;
            for (int j = 0; j < EGEMMA_QK8_0; j++) sum += (uint32_t)cvtps(rintf(xb[j] * id));
            sa[i * nb + b] = egemma_fp16_to_fp32(egemma_fp32_to_fp16(amax / 127.0f * (float)(int32_t)sum));
        }
    }
}

/* the portable min term (scalar tier): columns innermost, each output's chain over the blocks in order */
void egemma_add_min_term_scalar(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = n0; j < n1; j++) {
            float acc_min = 0.0f;
            for (int64_t b = 0; b < nb; b++) acc_min = fmaf(mw[b * ldm + j], sa[i * nb + b], acc_min);
            c[i * ldc + j] = c[i * ldc + j] + acc_min;
        }
    }
}
