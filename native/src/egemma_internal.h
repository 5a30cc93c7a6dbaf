/* Internal declarations shared by the dispatcher and the tier translation units. Nothing here is ABI. */
#ifndef EGEMMA_INTERNAL_H
#define EGEMMA_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "egemma.h"

/* One Q8_0 dot kernel per tier; each lives in the translation unit compiled with that tier's flags. */
typedef float (*egemma_q8_0_dot_fn)(const uint8_t *a, const uint8_t *b, int64_t n_blocks);

float egemma_q8_0_dot_scalar(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_avx2(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_avx512(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_neon(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_neon_dotprod(const uint8_t *a, const uint8_t *b, int64_t n_blocks);

/* CPU features (EGEMMA_CPU_* bits) as the CPU and OS report them; cpu_x86.c or cpu_arm.c. */
uint32_t egemma_detect_cpu_features(void);

/* Reads the fp16 scale at p. Blocks are 34 bytes, so the scale is at most 2-byte aligned: memcpy, never a
 * cast. */
static inline uint16_t egemma_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* IEEE binary16 -> binary32, exact for every input (normals, subnormals, infinities, NaN payloads), with
 * integer operations only so that every tier and the Java side (Float.float16ToFloat) agree bit for bit. */
static inline float egemma_fp16_to_fp32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {
            /* subnormal: mant * 2^-24; renormalise so the leading 1 moves into the implicit bit */
            uint32_t e = 113, m = mant; /* 113 = 127 - 15 + 1 */
            while ((m & 0x400u) == 0) { m <<= 1; e--; }
            bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

#endif
