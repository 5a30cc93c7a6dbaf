/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the NEON GEMM tiers (q8_0_gemm_neon*.c, kq_gemm_neon*.c): included by aarch64 translation units only. */
#ifndef EGEMMA_NEON_TILE_H
#define EGEMMA_NEON_TILE_H

#include <arm_neon.h>

#include "egemma_internal.h"

/* columns [lo, hi) of the 16 at dst from a tile row's 4 x 4 accumulators (a group may be partly outside [n0, n1)) */
static inline void egemma_store16(float *dst, const float32x4_t acc[4], int lo, int hi) {
    float tmp[16];
    for (int q = 0; q < 4; q++) vst1q_f32(tmp + q * 4, acc[q]);
    for (int j = lo; j < hi; j++) dst[j] = tmp[j];
}

/* the 16 columns' int8 scales of sub-block s of a super-block record as int32, 4 columns per register */
static inline void egemma_kq_scales32(const uint8_t *rec, int s, int32x4_t sc[4]) {
    const int8x16_t v = vld1q_s8((const int8_t *)(rec + KQ_SC + s * 16));
    const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_s8(vget_high_s8(v));
    sc[0] = vmovl_s16(vget_low_s16(lo));
    sc[1] = vmovl_s16(vget_high_s16(lo));
    sc[2] = vmovl_s16(vget_low_s16(hi));
    sc[3] = vmovl_s16(vget_high_s16(hi));
}

#endif
