/* SPDX-License-Identifier: Apache-2.0 */
/* ggml Q8_0 weight rows for the C tests (34-byte blocks: fp16 scale bits, then 32 int8 quants): the fills every
 * GEMM test uses, and the exact integer dot of a stretch of one block. Needs test_rng.h first. */
#ifndef EGEMMA_TEST_Q8_0_BLOCKS_H
#define EGEMMA_TEST_Q8_0_BLOCKS_H

#include <stdint.h>
#include <string.h>

#include "egemma.h"

enum wfill { W_RANDOM, W_MAX, W_MIN, W_ZERO_SCALE, W_SUBNORMAL, W_COUNT };
static const char *WFILL[] = {"random", "all+127", "all-128", "zero-scale", "subnormal-scale"};

/* n rows of k weights; random scales are normal fp16 numbers of either sign in [2^-10, 2^6) */
static void fill_weights(uint8_t *w, int64_t n, int64_t k, enum wfill f) {
    for (int64_t b = 0; b < n * (k / 32); b++) {
        uint8_t *p = w + b * EGEMMA_Q8_0_BLOCK_BYTES;
        uint16_t d;
        switch (f) {
        case W_ZERO_SCALE: d = (b & 1) ? 0x8000 : 0x0000; break;
        case W_SUBNORMAL: d = (uint16_t)(1 + rnd() % 0x3ff); break;
        default: d = (uint16_t)(((rnd() & 1) << 15) | ((5 + rnd() % 12) << 10) | (rnd() & 0x3ff)); break;
        }
        memcpy(p, &d, 2);
        for (int t = 0; t < 32; t++)
            p[2 + t] = f == W_MAX ? 127 : f == W_MIN ? (uint8_t)0x80 : (uint8_t)rnd();
    }
}

static uint16_t block_scale_bits(const uint8_t *block) {
    uint16_t d;
    memcpy(&d, block, 2);
    return d;
}

/* sum of a[t] * q[t] for t in [t0, t1): exact in int32 for the whole int8 range */
static int32_t block_dot(const int8_t *a, const uint8_t *block, int t0, int t1) {
    int32_t s = 0;
    for (int t = t0; t < t1; t++) s += (int32_t)a[t] * (int8_t)block[2 + t];
    return s;
}

#endif
