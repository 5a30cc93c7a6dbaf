/* SPDX-License-Identifier: Apache-2.0 */
/* NEON tier (aarch64 baseline). vmull_s8 widens to exact int16 products (|p| <= 16384); they are pairwise
 * added straight into int32 (vpadalq_s16), because adding two products in int16 could reach 32768. */
#include "egemma_internal.h"

#if defined(__ARM_NEON) || defined(_M_ARM64)
#include <arm_neon.h>

float egemma_q8_0_dot_neon(const uint8_t *a, const uint8_t *b, int64_t n_blocks) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (int64_t blk = 0; blk < n_blocks; blk++) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const float d = egemma_fp16_to_fp32(egemma_load_u16(pa)) * egemma_fp16_to_fp32(egemma_load_u16(pb));
        const int8x16_t a0 = vld1q_s8((const int8_t *)(pa + 2)), a1 = vld1q_s8((const int8_t *)(pa + 18));
        const int8x16_t b0 = vld1q_s8((const int8_t *)(pb + 2)), b1 = vld1q_s8((const int8_t *)(pb + 18));
        int32x4_t s = vdupq_n_s32(0);
        s = vpadalq_s16(s, vmull_s8(vget_low_s8(a0), vget_low_s8(b0)));
        s = vpadalq_s16(s, vmull_s8(vget_high_s8(a0), vget_high_s8(b0)));
        s = vpadalq_s16(s, vmull_s8(vget_low_s8(a1), vget_low_s8(b1)));
        s = vpadalq_s16(s, vmull_s8(vget_high_s8(a1), vget_high_s8(b1)));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(s), d);
    }
    return vaddvq_f32(acc);
}
#else
#error "q8_0_dot_neon.c is for aarch64 targets only"
#endif
