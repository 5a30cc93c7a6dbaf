/* AVX2 Q8_0 GEMM tier on the packed layout, in llama.cpp's x86 order (llamafile tinyBLAS_Q0_AVX, ggml's own
 * AVX2 order), bit-identical to the scalar and AVX-512 tiers and to the Java reference (GgmlQ8Matmul.scalar):
 * eight float lanes per output, lane l of a block the exact int32 sum of products 4l..4l+3; per block
 * lane_l = fma(d_w*d_a, (float)lane_int_l, lane_l); at the end ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
 *
 * No int8 dot instruction here, so ggml's sign trick: maddubs needs one unsigned operand, so multiply |w| (as u8,
 * 0..128) by a carrying w's sign. Precondition: the activations come from the Q8_0 quantizer and lie in
 * [-127, 127] (sign_epi8 of -128 would overflow), so pairs stay within int16 (<= 2*128*127). madd with ones
 * then sums each column's 4 products of quad r into an int32: that IS lane r of the column's output. Tile: RM
 * rows x one 16-column group (two ymm), 8 lanes each; the record's abs(w) computed once per RM rows. */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#include <immintrin.h>

#define RM 2

static inline void store_masked(float *dst, int lo, int hi, __m256 v0, __m256 v1) {
    float tmp[16];
    _mm256_storeu_ps(tmp, v0);
    _mm256_storeu_ps(tmp + 8, v1);
    for (int j = lo; j < hi; j++) dst[j] = tmp[j];
}

static inline __m256 hsum8(const __m256 *l) {
    const __m256 s04 = _mm256_add_ps(l[0], l[4]), s26 = _mm256_add_ps(l[2], l[6]);
    const __m256 s15 = _mm256_add_ps(l[1], l[5]), s37 = _mm256_add_ps(l[3], l[7]);
    return _mm256_add_ps(_mm256_add_ps(s04, s26), _mm256_add_ps(s15, s37));
}

void egemma_q8_0_gemm_avx2(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                           int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch; /* this tier needs none */
    const int64_t nb = k / EGEMMA_QK8_0;
    const __m256i ones16 = _mm256_set1_epi16(1);
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const int64_t col0 = g * 16;
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 16 ? (int)(n1 - col0) : 16;
        for (int64_t i0 = 0; i0 < m; i0 += RM) {
            const int rm = m - i0 < RM ? (int)(m - i0) : RM;
            const int8_t *arow[RM];
            const float *drow[RM];
            for (int i = 0; i < RM; i++) {
                const int64_t row = i0 + (i < rm ? i : 0);
                arow[i] = qa + row * k;
                drow[i] = da + row * nb;
            }
            __m256 acc[RM][2][8]; /* [row][half of the group][lane] */
            for (int i = 0; i < RM; i++)
                for (int l = 0; l < 8; l++) acc[i][0][l] = acc[i][1][l] = _mm256_setzero_ps();
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *p = egemma_pack_record(packed, g, nb, blk);
                const uint16_t *ds = egemma_pack_scales(packed, g, nb, blk);
                const __m256 d0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)ds)), d1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(ds + 8)));
                __m256 sc[RM][2];
                for (int i = 0; i < RM; i++) {
                    const __m256 dai = _mm256_set1_ps(drow[i][blk]);
                    sc[i][0] = _mm256_mul_ps(d0, dai);
                    sc[i][1] = _mm256_mul_ps(d1, dai);
                }
                for (int l = 0; l < 8; l++) {
                    const __m256i w0 = _mm256_load_si256((const __m256i *)(p + PK_Q + l * 64));
                    const __m256i w1 = _mm256_load_si256((const __m256i *)(p + PK_Q + l * 64 + 32));
                    const __m256i u0 = _mm256_abs_epi8(w0), u1 = _mm256_abs_epi8(w1);
                    for (int i = 0; i < RM; i++) {
                        int32_t a4;
                        memcpy(&a4, arow[i] + blk * 32 + l * 4, 4);
                        const __m256i av = _mm256_set1_epi32(a4);
                        const __m256i s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(u0, _mm256_sign_epi8(av, w0)), ones16);
                        const __m256i s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(u1, _mm256_sign_epi8(av, w1)), ones16);
                        acc[i][0][l] = _mm256_fmadd_ps(sc[i][0], _mm256_cvtepi32_ps(s0), acc[i][0][l]);
                        acc[i][1][l] = _mm256_fmadd_ps(sc[i][1], _mm256_cvtepi32_ps(s1), acc[i][1][l]);
                    }
                }
            }
            for (int i = 0; i < rm; i++) {
                float *dst = c + (i0 + i) * ldc + col0;
                const __m256 r0 = hsum8(acc[i][0]), r1 = hsum8(acc[i][1]);
                if (lo == 0 && hi == 16) {
                    _mm256_storeu_ps(dst, r0);
                    _mm256_storeu_ps(dst + 8, r1);
                } else {
                    store_masked(dst, lo, hi, r0, r1);
                }
            }
        }
    }
}
#else
#error "q8_0_gemm_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
