/* SPDX-License-Identifier: Apache-2.0 */
/* NEON tier (aarch64 baseline) of the super-block ("kq") GEMM, and the min-term pass both NEON tiers use: the block
 * order of egemma_kq_gemm_scalar, bit for bit. Per sub-block, vmull_s8 of a q register (4 columns x 4 weights of one
 * quad) by the row's 4 activation bytes gives exact int16 products, vpadalq_s16 folds them into int32 pairs and
 * vpaddq_s32 into one dot per column; isum += dot * sc (vmlaq_s32, wrapping as Java's int); per super-block
 * acc = fma((float)isum, d_w*d_a, acc). One row per register tile (16 columns: 4 x 4 float accumulators, 8 pair sums
 * and 4 isums fit the 32 registers). */
#include <math.h>

#include "egemma_internal.h"

#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include "neon_tile.h"

void egemma_kq_sub_min_neon(int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed, int64_t n0,
                            int64_t n1, float *c, int64_t ldc) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const int64_t col0 = g * 16;
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 16 ? (int)(n1 - col0) : 16;
        for (int64_t i = 0; i < m; i++) {
            float32x4_t acc_min[4];
            for (int q = 0; q < 4; q++) acc_min[q] = vdupq_n_f32(0.0f);
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                const int16_t *bs = bsums + i * (k / 16) + b * 16;
                int32x4_t ms[4];
                for (int q = 0; q < 4; q++) ms[q] = vdupq_n_s32(0);
                for (int p = 0; p < 8; p++) {
                    int32_t pair;
                    memcpy(&pair, bs + 2 * p, 4);
                    const int16x8_t bv = vreinterpretq_s16_s32(vdupq_n_s32(pair));
                    for (int q = 0; q < 4; q++) {
                        /* lanes (column, half): mn * bsum, then the two halves of each column added */
                        const int16x8_t mn = vld1q_s16((const int16_t *)(rec + egemma_kq_mn_at(format) + p * 64 + q * 16));
                        ms[q] = vaddq_s32(ms[q], vpaddq_s32(vmull_s16(vget_low_s16(mn), vget_low_s16(bv)), vmull_high_s16(mn, bv)));
                    }
                }
                for (int q = 0; q < 4; q++) {
                    const float32x4_t dmin = vld1q_f32((const float *)(rec + egemma_kq_dmin_at(format)) + 4 * q);
                    acc_min[q] = vfmaq_f32(acc_min[q], vcvtq_f32_s32(ms[q]), vmulq_n_f32(dmin, da[i * nbk + b]));
                }
            }
            float *dst = c + i * ldc + col0;
            float cur[16];
            for (int j = 0; j < 16; j++) cur[j] = j >= lo && j < hi ? dst[j] : 0.0f;
            float32x4_t r[4];
            for (int q = 0; q < 4; q++) r[q] = vsubq_f32(vld1q_f32(cur + 4 * q), acc_min[q]);
            egemma_store16(dst, r, lo, hi);
        }
    }
}

/* Q4_1/Q5_1's min term, 4 columns at a time, the last ones one by one (egemma_add_min_term_scalar's operations) */
void egemma_add_min_term_neon(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb) {
    for (int64_t i = 0; i < m; i++) {
        int64_t j = n0;
        for (; j + 4 <= n1; j += 4) {
            float32x4_t acc_min = vdupq_n_f32(0.0f);
            for (int64_t b = 0; b < nb; b++) acc_min = vfmaq_n_f32(acc_min, vld1q_f32(mw + b * ldm + j), sa[i * nb + b]);
            float *dst = c + i * ldc + j;
            vst1q_f32(dst, vaddq_f32(vld1q_f32(dst), acc_min));
        }
        for (; j < n1; j++) {
            float acc_min = 0.0f;
            for (int64_t b = 0; b < nb; b++) acc_min = fmaf(mw[b * ldm + j], sa[i * nb + b], acc_min);
            c[i * ldc + j] = c[i * ldc + j] + acc_min;
        }
    }
}

static ALWAYS_INLINE void gemm(const int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                               const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub;
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const int64_t col0 = g * 16;
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 16 ? (int)(n1 - col0) : 16;
        for (int64_t i = 0; i < m; i++) {
            const int8_t *a = qa + i * k;
            float32x4_t acc[4];
            for (int q = 0; q < 4; q++) acc[q] = vdupq_n_f32(0.0f);
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                int32x4_t isum[4];
                for (int q = 0; q < 4; q++) isum[q] = vdupq_n_s32(0);
                for (int s = 0; s < nsub; s++) {
                    int32x4_t slo[4], shi[4];
                    for (int q = 0; q < 4; q++) slo[q] = shi[q] = vdupq_n_s32(0);
                    for (int l = 0; l < sub / 4; l++) {
                        const int e = s * sub + 4 * l;
                        int32_t a4;
                        memcpy(&a4, a + b * EGEMMA_QK_K + e, 4);
                        const int8x8_t av = vreinterpret_s8_s32(vdup_n_s32(a4));
                        for (int q = 0; q < 4; q++) {
                            const int8x16_t w = vld1q_s8((const int8_t *)(rec + KQ_Q + egemma_kq_q_at(e, 0) + q * 16));
                            slo[q] = vpadalq_s16(slo[q], vmull_s8(vget_low_s8(w), av));
                            shi[q] = vpadalq_s16(shi[q], vmull_s8(vget_high_s8(w), av));
                        }
                    }
                    int32x4_t sc[4];
                    egemma_kq_scales32(rec, s, sc);
                    for (int q = 0; q < 4; q++) isum[q] = vmlaq_s32(isum[q], vpaddq_s32(slo[q], shi[q]), sc[q]);
                }
                for (int q = 0; q < 4; q++) {
                    const float32x4_t dw = vld1q_f32((const float *)(rec + egemma_kq_d_at(format)) + 4 * q);
                    acc[q] = vfmaq_f32(acc[q], vcvtq_f32_s32(isum[q]), vmulq_n_f32(dw, da[i * nbk + b]));
                }
            }
            egemma_store16(c + i * ldc + col0, acc, lo, hi);
        }
    }
    if (egemma_kq_has_min(format)) egemma_kq_sub_min_neon(format, da, bsums, m, k, packed, n0, n1, c, ldc);
}

void egemma_kq_gemm_neon(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed,
                         int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch;
#define GEMM(F) gemm(F, qa, da, bsums, m, k, packed, n0, n1, c, ldc)
    EGEMMA_KQ_SPECIALIZE(format, GEMM)
#undef GEMM
}
#else
#error "kq_gemm_neon.c is for aarch64"
#endif
