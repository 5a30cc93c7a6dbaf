/* SPDX-License-Identifier: Apache-2.0 */
/* NEON dotprod Q8_0 GEMM tier (-march=armv8.2-a+dotprod) on the packed layout: vdotq_s32 of a q register
 * (4 columns x 4 weights of one quad) with the row's 4 activation bytes broadcast adds each column's 4
 * products into its int32 lane, exact for every int8. Per block acc = fma((float)isum, d_w*d_a, acc), the same
 * operation as the NEON tier, so the two agree bit for bit. */
#include "egemma_internal.h"

#if defined(__ARM_FEATURE_DOTPROD) || defined(_M_ARM64)
#include <arm_neon.h>

#include "neon_tile.h"

#define RM 4

void egemma_q8_0_gemm_neon_dotprod(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                                   int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch; /* this tier needs none */
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const int64_t col0 = g * 16;
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 16 ? (int)(n1 - col0) : 16;
        for (int64_t i0 = 0; i0 < m; i0 += RM) {
            const int rm = m - i0 < RM ? (int)(m - i0) : RM;
            const int8_t *arow[RM];
            const float *drow[RM];
            egemma_tile_row_pointers(RM, rm, i0, qa, da, k, nb, arow, drow);
            float32x4_t acc[RM][4];
            for (int i = 0; i < RM; i++)
                for (int q = 0; q < 4; q++) acc[i][q] = vdupq_n_f32(0.0f);
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *p = egemma_pack_record(packed, g, nb, blk);
                int32x4_t s[RM][4];
                for (int i = 0; i < RM; i++)
                    for (int q = 0; q < 4; q++) s[i][q] = vdupq_n_s32(0);
                for (int r = 0; r < 8; r++) {
                    int8x16_t w[4];
                    for (int q = 0; q < 4; q++) w[q] = vld1q_s8((const int8_t *)(p + PK_Q + r * 64 + q * 16));
                    for (int i = 0; i < RM; i++) {
                        int32_t a4;
                        memcpy(&a4, arow[i] + blk * 32 + r * 4, 4);
                        const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(a4));
                        for (int q = 0; q < 4; q++) s[i][q] = vdotq_s32(s[i][q], w[q], av);
                    }
                }
                for (int q = 0; q < 4; q++) {
                    const float32x4_t dw = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(egemma_pack_scales(packed, g, nb, blk) + q * 4)));
                    for (int i = 0; i < RM; i++)
                        acc[i][q] = vfmaq_f32(acc[i][q], vcvtq_f32_s32(s[i][q]), vmulq_n_f32(dw, drow[i][blk]));
                }
            }
            for (int i = 0; i < rm; i++) egemma_store16(c + (i0 + i) * ldc + col0, acc[i], lo, hi);
        }
    }
}
#else
#error "q8_0_gemm_neon_dotprod.c must be compiled with -march=armv8.2-a+dotprod"
#endif
