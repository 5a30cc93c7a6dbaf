/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 tier (-mavx2 -mfma -mf16c). ggml's sign trick: maddubs needs one unsigned operand, so multiply
 * |a| (unsigned, 0..128) by b carrying a's sign; pairs then stay within int16 (<= 2*128*127).
 * The trick breaks for b == -128 (negating -128 wraps), which ggml's quantizers never produce but a GGUF
 * file may hold; such a block takes the exact widening path instead (a branch never taken on real data).
 * Otherwise this is ggml's AVX2 ggml_vec_dot_q8_0_q8_0 operation for operation (lane sums of four consecutive
 * products, one FMA accumulator, the same horizontal sum), so the results are bit-identical to llama.cpp's. */
#include "egemma_internal.h"

/* MSVC exposes the intrinsics without flags and defines neither __FMA__ nor __F16C__ */
#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#include <immintrin.h>

static inline float hsum_ps_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

float egemma_q8_0_dot_avx2(const uint8_t *a, const uint8_t *b, int64_t n_blocks) {
    const __m256i ones16 = _mm256_set1_epi16(1);
    const __m256i minus128 = _mm256_set1_epi8((char)-128);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < n_blocks; blk++) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const uint8_t *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(egemma_load_u16(pa)) * _cvtsh_ss(egemma_load_u16(pb)));
        const __m256i qa = _mm256_loadu_si256((const __m256i *)(pa + 2));
        const __m256i qb = _mm256_loadu_si256((const __m256i *)(pb + 2));
        __m256i sum32;
        if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(qb, minus128)) == 0) {
            const __m256i abs_a = _mm256_sign_epi8(qa, qa);
            const __m256i b_signed_by_a = _mm256_sign_epi8(qb, qa);
            sum32 = _mm256_madd_epi16(_mm256_maddubs_epi16(abs_a, b_signed_by_a), ones16);
        } else {
            const __m256i a_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(qa));
            const __m256i a_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(qa, 1));
            const __m256i b_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(qb));
            const __m256i b_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(qb, 1));
            sum32 = _mm256_add_epi32(_mm256_madd_epi16(a_lo, b_lo), _mm256_madd_epi16(a_hi, b_hi));
        }
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sum32), acc);
    }
    return hsum_ps_256(acc);
}
#else
#error "q8_0_dot_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
