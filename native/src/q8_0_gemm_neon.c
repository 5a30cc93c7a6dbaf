/* SPDX-License-Identifier: Apache-2.0 */
/* NEON Q8_0 GEMM tier (aarch64 baseline, no dot-product extension) on the packed layout. A q register holds
 * 4 columns x 4 weights of one quad; vmull_s8 against the row's 4 activation bytes (duplicated) gives int16
 * products (|p| <= 2^14, exact) and vpadalq_s16 folds pairs into int32 lanes; at the end of a block vpaddq_s32
 * pairs those into one exact int32 dot per column. Per block acc = fma((float)isum, d_w*d_a, acc), the same
 * operation as the x86 SIMD tiers. */
#include "egemma_internal.h"

#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include "neon_tile.h"

#define RM 2

void egemma_q8_0_gemm_neon(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
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
                int32x4_t slo[RM][4], shi[RM][4];
                for (int i = 0; i < RM; i++)
                    for (int q = 0; q < 4; q++) slo[i][q] = shi[i][q] = vdupq_n_s32(0);
                for (int r = 0; r < 8; r++) {
                    int8x16_t w[4];
                    for (int q = 0; q < 4; q++) w[q] = vld1q_s8((const int8_t *)(p + PK_Q + r * 64 + q * 16));
                    for (int i = 0; i < RM; i++) {
                        int32_t a4;
                        memcpy(&a4, arow[i] + blk * 32 + r * 4, 4);
                        const int8x8_t av = vreinterpret_s8_s32(vdup_n_s32(a4));
                        for (int q = 0; q < 4; q++) {
                            slo[i][q] = vpadalq_s16(slo[i][q], vmull_s8(vget_low_s8(w[q]), av));
                            shi[i][q] = vpadalq_s16(shi[i][q], vmull_s8(vget_high_s8(w[q]), av));
                        }
                    }
                }
                for (int q = 0; q < 4; q++) {
                    const float32x4_t dw = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(egemma_pack_scales(packed, g, nb, blk) + q * 4)));
                    for (int i = 0; i < RM; i++) {
                        const int32x4_t s = vpaddq_s32(slo[i][q], shi[i][q]);
                        acc[i][q] = vfmaq_f32(acc[i][q], vcvtq_f32_s32(s), vmulq_n_f32(dw, drow[i][blk]));
                    }
                }
            }
            for (int i = 0; i < rm; i++) egemma_store16(c + (i0 + i) * ldc + col0, acc[i], lo, hi);
        }
    }
}
#else
#error "q8_0_gemm_neon.c is for aarch64"
#endif
