/* SPDX-License-Identifier: Apache-2.0 */
/* NEON dotprod tier (-march=armv8.2-a+dotprod): vdotq_s32 sums four signed int8 products per int32 lane,
 * exact for the whole int8 range. */
#include "egemma_internal.h"

#if defined(__ARM_FEATURE_DOTPROD) || defined(_M_ARM64)
#include <arm_neon.h>

float egemma_q8_0_dot_neon_dotprod(const uint8_t *a, const uint8_t *b, int64_t n_blocks) {
    float32x4_t acc0 = vdupq_n_f32(0.0f);
    float32x4_t acc1 = vdupq_n_f32(0.0f);
    int64_t blk = 0;
    for (; blk + 1 < n_blocks; blk += 2) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *qa = pa + EGEMMA_Q8_0_BLOCK_BYTES, *qb = pb + EGEMMA_Q8_0_BLOCK_BYTES;
        const float d0 = egemma_fp16_to_fp32(egemma_load_u16(pa)) * egemma_fp16_to_fp32(egemma_load_u16(pb));
        const float d1 = egemma_fp16_to_fp32(egemma_load_u16(qa)) * egemma_fp16_to_fp32(egemma_load_u16(qb));
        int32x4_t s0 = vdotq_s32(vdupq_n_s32(0), vld1q_s8((const int8_t *)(pa + 2)), vld1q_s8((const int8_t *)(pb + 2)));
        s0 = vdotq_s32(s0, vld1q_s8((const int8_t *)(pa + 18)), vld1q_s8((const int8_t *)(pb + 18)));
        int32x4_t s1 = vdotq_s32(vdupq_n_s32(0), vld1q_s8((const int8_t *)(qa + 2)), vld1q_s8((const int8_t *)(qb + 2)));
        s1 = vdotq_s32(s1, vld1q_s8((const int8_t *)(qa + 18)), vld1q_s8((const int8_t *)(qb + 18)));
        acc0 = vfmaq_n_f32(acc0, vcvtq_f32_s32(s0), d0);
        acc1 = vfmaq_n_f32(acc1, vcvtq_f32_s32(s1), d1);
    }
    if (blk < n_blocks) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const float d0 = egemma_fp16_to_fp32(egemma_load_u16(pa)) * egemma_fp16_to_fp32(egemma_load_u16(pb));
        int32x4_t s0 = vdotq_s32(vdupq_n_s32(0), vld1q_s8((const int8_t *)(pa + 2)), vld1q_s8((const int8_t *)(pb + 2)));
        s0 = vdotq_s32(s0, vld1q_s8((const int8_t *)(pa + 18)), vld1q_s8((const int8_t *)(pb + 18)));
        acc0 = vfmaq_n_f32(acc0, vcvtq_f32_s32(s0), d0);
    }
    return vaddvq_f32(vaddq_f32(acc0, acc1));
}
#else
#error "q8_0_dot_neon_dotprod.c must be compiled with -march=armv8.2-a+dotprod"
#endif
