/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 VNNI tier (-mavx512f -mavx512bw -mavx512vl -mavx512vnni, plus -mfma -mf16c which every such CPU
 * has). vpdpbusd multiplies unsigned by signed bytes into int32 without saturation. Instead of ggml's sign
 * trick (wrong for b == -128) we bias a to unsigned: (a + 128) * b summed, minus 128 * sum(b); both sums are
 * vpdpbusd, so the block's integer dot is exact for every int8 input with no branch. */
#include "egemma_internal.h"

/* MSVC exposes the intrinsics without flags and does not define __AVX512VNNI__ */
#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__AVX512BW__))
#include <immintrin.h>

static inline float hsum_ps_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exact int32 lane sums of a[i] * b[i] for one 32-byte block */
static inline __m256i block_dot_i32(__m256i qa, __m256i qb) {
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    const __m256i ones8 = _mm256_set1_epi8(1);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i biased = _mm256_dpbusd_epi32(zero, _mm256_xor_si256(qa, bias), qb); /* sum (a+128)*b */
    const __m256i sum_b = _mm256_dpbusd_epi32(zero, ones8, qb);                        /* sum b */
    return _mm256_sub_epi32(biased, _mm256_slli_epi32(sum_b, 7));
}

/* One accumulator, blocks in order, exactly like ggml's AVX2/VNNI path (acc = fma(d, lane sums, acc), then the
 * same horizontal sum): the per-lane int sums equal the AVX2 tier's (four consecutive products per lane), so
 * both tiers, and ggml, give bit-identical results on ggml-quantized data. */
float egemma_q8_0_dot_avx512(const uint8_t *a, const uint8_t *b, int64_t n_blocks) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < n_blocks; blk++) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(egemma_load_u16(pa)) * _cvtsh_ss(egemma_load_u16(pb)));
        const __m256i s = block_dot_i32(_mm256_loadu_si256((const __m256i *)(pa + 2)),
                                        _mm256_loadu_si256((const __m256i *)(pb + 2)));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
    }
    return hsum_ps_256(acc);
}
#else
#error "q8_0_dot_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
