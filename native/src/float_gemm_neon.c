/* SPDX-License-Identifier: Apache-2.0 */
/* NEON tier of the F32/F16/BF16 GEMM (include/egemma.h, egemma_float_gemm), k a multiple of 16: tinyBLAS's 16-lane
 * accumulator per output is four q registers (lanes 0-3, 4-7, 8-11, 12-15), so a tile of 2 activation rows x 3 weight
 * rows holds 24 of the 32; fp16 weights widened by fcvtl, bf16 by a 16-bit shift, both exact. Lane-wise FMAs (vfmaq is
 * fused) and the reduction in _mm512_reduce_add_ps's order give the scalar tier's bits (and the x86 tiers'). */
#include "float_gemm.h"

#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#define RM 2
#define RN 3

/* 4 weights of a row of type t from element l, as floats */
static ALWAYS_INLINE float32x4_t load_w(const uint8_t *row, int32_t t, int64_t l) {
    if (t == EGEMMA_TYPE_F32) return vld1q_f32((const float *)row + l);
    const uint16x4_t h = vld1_u16((const uint16_t *)(row + 2 * l));
    if (t == EGEMMA_TYPE_F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}

/* q[0..3] hold lanes 0-3 .. 12-15, summed as reduce16: (8+i)+i, then (4+i)+i, then (0+2)+(1+3) */
static ALWAYS_INLINE float reduce(const float32x4_t q[4]) {
    const float32x4_t u = vaddq_f32(vaddq_f32(q[2], q[0]), vaddq_f32(q[3], q[1]));
    const float32x2_t s = vadd_f32(vget_low_f32(u), vget_high_f32(u));
    return vget_lane_f32(s, 0) + vget_lane_f32(s, 1);
}

static ALWAYS_INLINE void tile(const float *a, int64_t k, const uint8_t *w, int64_t rb, int32_t t, const int rm, const int rn,
                               float *c, int64_t ldc) {
    float32x4_t acc[RM][RN][4];
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++)
            for (int q = 0; q < 4; q++) acc[i][j][q] = vdupq_n_f32(0.0f);
    for (int64_t l = 0; l < k; l += 16) {
        for (int q = 0; q < 4; q++) {
            float32x4_t av[RM];
            for (int i = 0; i < rm; i++) av[i] = vld1q_f32(a + i * k + l + 4 * q);
            for (int j = 0; j < rn; j++) {
                const float32x4_t wv = load_w(w + j * rb, t, l + 4 * q);
                for (int i = 0; i < rm; i++) acc[i][j][q] = vfmaq_f32(acc[i][j][q], av[i], wv);
            }
        }
    }
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++) c[i * ldc + j] = reduce(acc[i][j]);
}

#include "float_gemm_tiles.h"

EGEMMA_FLOAT_GEMM_ENTRY(egemma_float_gemm_neon)

#endif
