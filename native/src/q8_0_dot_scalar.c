/* SPDX-License-Identifier: Apache-2.0 */
/* Scalar tier: portable C, compiled without ISA flags. It is also the reference the other tiers are tested
 * against, and it computes in exactly the order of ggml's ggml_vec_dot_q8_0_q8_0 generic path (and of
 * dev.egemma.kernels.java.Q8Dot#dotScalar): an exact int per block, then sumf += sumi * (d_a * d_b).
 * The build uses -ffp-contract=off so that this never becomes an FMA and the Java and C scalar results are
 * bitwise equal. */
#include "egemma_internal.h"

float egemma_q8_0_dot_scalar(const uint8_t *a, const uint8_t *b, int64_t n_blocks) {
    float sumf = 0.0f;
    for (int64_t blk = 0; blk < n_blocks; blk++) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const int8_t *qa = (const int8_t *)(pa + 2);
        const int8_t *qb = (const int8_t *)(pb + 2);
        int32_t sumi = 0;
        for (int i = 0; i < EGEMMA_QK8_0; i++) {
            sumi += (int32_t)qa[i] * (int32_t)qb[i];
        }
        const float d = egemma_fp16_to_fp32(egemma_load_u16(pa)) * egemma_fp16_to_fp32(egemma_load_u16(pb));
        sumf += (float)sumi * d;
    }
    return sumf;
}
