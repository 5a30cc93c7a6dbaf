/* SPDX-License-Identifier: Apache-2.0 */
/* ggml_v_expf (its AVX-512 build) one lane at a time, shared by the portable attention and the AVX2 tier's lanes
 * outside 2^n's normal range. Needs -ffp-contract=off (every fused step is an explicit fmaf). */
#ifndef EGEMMA_V_EXPF_H
#define EGEMMA_V_EXPF_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "egemma_internal.h" /* ALWAYS_INLINE */

/* one lane of ggml_v_expf (AVX-512), as dev.egemma.kernels.java.GgmlExp#vexpf */
static ALWAYS_INLINE float v_expf(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    if (n != n) return n;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    /* j * 2^n: while 2^n is a normal float, one product rounds exactly as ldexpf does (a libm call otherwise) */
    if (n >= -126.0f && n <= 127.0f) {
        const uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
        float p2;
        memcpy(&p2, &bits, sizeof p2);
        return j * p2;
    }
    return ldexpf(j, (int)n);
}

#endif /* EGEMMA_V_EXPF_H */
