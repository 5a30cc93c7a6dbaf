/* SPDX-License-Identifier: Apache-2.0 */
/* Weight repacking and the scalar activation quantizer: portable C without ISA flags (run once per model
 * and once per product, respectively; the quantizer is also the reference of the SIMD ones). */
#include <math.h>

#include "egemma_internal.h"

void egemma_q8_0_pack_rows(const uint8_t *w, int64_t n, int64_t k, int64_t j0, int64_t j1, uint8_t *dst) {
    const int64_t nb = k / EGEMMA_QK8_0;
    const int64_t g_end = j1 == n ? (n + EGEMMA_Q8_0_PACK_COLS - 1) / EGEMMA_Q8_0_PACK_COLS : j1 / EGEMMA_Q8_0_PACK_COLS;
    const int64_t scales_at = nb * EGEMMA_Q8_0_PACK_RECORD_BYTES;
    for (int64_t g = j0 / EGEMMA_Q8_0_PACK_COLS; g < g_end; g++) {
        uint8_t *group = dst + g * egemma_pack_group_bytes(nb);
        memset(group + scales_at, 0, (size_t)(egemma_pack_group_bytes(nb) - scales_at)); /* the scales' padding too */
        for (int64_t blk = 0; blk < nb; blk++) {
            uint8_t *rec = group + blk * EGEMMA_Q8_0_PACK_RECORD_BYTES;
            int8_t *q = (int8_t *)(rec + PK_Q);
            uint16_t d[EGEMMA_Q8_0_PACK_COLS];
            for (int col = 0; col < EGEMMA_Q8_0_PACK_COLS; col++) {
                const int64_t j = g * EGEMMA_Q8_0_PACK_COLS + col;
                if (j >= n) { /* pad column: zero quants, zero scale, so it contributes exactly 0 */
                    for (int t = 0; t < EGEMMA_QK8_0; t++) q[(t / 4) * 64 + col * 4 + t % 4] = 0;
                    d[col] = 0; /* fp16 +0 */
                    continue;
                }
                const uint8_t *b = w + (j * nb + blk) * EGEMMA_Q8_0_BLOCK_BYTES;
                const int8_t *qs = (const int8_t *)(b + 2);
                for (int t = 0; t < EGEMMA_QK8_0; t++) q[(t / 4) * 64 + col * 4 + t % 4] = qs[t];
                d[col] = egemma_load_u16(b);
            }
            memcpy(group + scales_at + blk * EGEMMA_Q8_0_PACK_SCALE_BYTES, d, sizeof d);
        }
    }
}

/* ggml's quantize_row_q8_0 (x86 path) for one block; the SIMD quantizers reproduce it bit for bit. */
static void quantize_block(const float *x, int8_t *q, float *d) {
    float amax = 0.0f;
    for (int j = 0; j < EGEMMA_QK8_0; j++) {
        const float a = fabsf(x[j]);
        if (a > amax) amax = a;
    }
    const float dd = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d = egemma_fp16_to_fp32(egemma_fp32_to_fp16(dd));
    for (int j = 0; j < EGEMMA_QK8_0; j++) q[j] = (int8_t)(int32_t)rintf(x[j] * id); /* rint: half to even */
}

void egemma_q8_0_quantize_scalar(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da) {
    const int64_t nb = k / EGEMMA_QK8_0;
    for (int64_t i = i0; i < i1; i++)
        for (int64_t blk = 0; blk < nb; blk++)
            quantize_block(x + i * k + blk * EGEMMA_QK8_0, qa + i * k + blk * EGEMMA_QK8_0, da + i * nb + blk);
}
