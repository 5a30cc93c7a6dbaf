/* SPDX-License-Identifier: Apache-2.0 */
/* NEON dotprod tier (-march=armv8.2-a+dotprod) of the super-block ("kq") GEMM: the block order of
 * egemma_kq_gemm_scalar, bit for bit. Per sub-block, vdotq_s32 of a q register (4 columns x 4 weights of one quad)
 * with the row's 4 activation bytes broadcast adds each column's 4 products into its int32 lane; isum += dot * sc
 * (vmlaq_s32); per super-block acc = fma((float)isum, d_w*d_a, acc). Register tile: RM rows x 16 columns. The min
 * term: egemma_kq_sub_min_neon (kq_gemm_neon.c). */
#include "egemma_internal.h"

#if defined(__ARM_FEATURE_DOTPROD) || defined(_M_ARM64)
#include <arm_neon.h>

#include "neon_tile.h"

#define RM 2

static ALWAYS_INLINE void gemm(const int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                               const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub;
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const int64_t col0 = g * 16;
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 16 ? (int)(n1 - col0) : 16;
        for (int64_t i0 = 0; i0 < m; i0 += RM) {
            const int rm = m - i0 < RM ? (int)(m - i0) : RM;
            const int8_t *arow[RM];
            const float *drow[RM];
            egemma_tile_row_pointers(RM, rm, i0, qa, da, k, nbk, arow, drow);
            float32x4_t acc[RM][4];
            for (int i = 0; i < RM; i++)
                for (int q = 0; q < 4; q++) acc[i][q] = vdupq_n_f32(0.0f);
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                int32x4_t isum[RM][4];
                for (int i = 0; i < RM; i++)
                    for (int q = 0; q < 4; q++) isum[i][q] = vdupq_n_s32(0);
                for (int s = 0; s < nsub; s++) {
                    int32x4_t t[RM][4];
                    for (int i = 0; i < RM; i++)
                        for (int q = 0; q < 4; q++) t[i][q] = vdupq_n_s32(0);
                    for (int l = 0; l < sub / 4; l++) {
                        const int e = s * sub + 4 * l;
                        int8x16_t w[4];
                        for (int q = 0; q < 4; q++) w[q] = vld1q_s8((const int8_t *)(rec + KQ_Q + egemma_kq_q_at(e, 0) + q * 16));
                        for (int i = 0; i < RM; i++) {
                            int32_t a4;
                            memcpy(&a4, arow[i] + b * EGEMMA_QK_K + e, 4);
                            const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(a4));
                            for (int q = 0; q < 4; q++) t[i][q] = vdotq_s32(t[i][q], w[q], av);
                        }
                    }
                    int32x4_t sc[4];
                    egemma_kq_scales32(rec, s, sc);
                    for (int i = 0; i < RM; i++)
                        for (int q = 0; q < 4; q++) isum[i][q] = vmlaq_s32(isum[i][q], t[i][q], sc[q]);
                }
                for (int q = 0; q < 4; q++) {
                    const float32x4_t dw = vld1q_f32((const float *)(rec + egemma_kq_d_at(format)) + 4 * q);
                    for (int i = 0; i < RM; i++) acc[i][q] = vfmaq_f32(acc[i][q], vcvtq_f32_s32(isum[i][q]), vmulq_n_f32(dw, drow[i][b]));
                }
            }
            for (int i = 0; i < rm; i++) egemma_store16(c + (i0 + i) * ldc + col0, acc[i], lo, hi);
        }
    }
    if (egemma_kq_has_min(format)) egemma_kq_sub_min_neon(format, da, bsums, m, k, packed, n0, n1, c, ldc);
}

void egemma_kq_gemm_neon_dotprod(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                                 const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch;
#define GEMM(F) gemm(F, qa, da, bsums, m, k, packed, n0, n1, c, ldc)
    EGEMMA_KQ_SPECIALIZE(format, GEMM)
#undef GEMM
}
#else
#error "kq_gemm_neon_dotprod.c must be compiled with -march=armv8.2-a+dotprod"
#endif
