/* AVX-512 VNNI Q8_0 GEMM tier on the packed layout, and the AVX-512 activation quantizer.
 *
 * Register tile: RM rows of A x two 16-column groups of W. For each quad r of a block, the 4 activation bytes
 * of a row are broadcast to all 16 lanes and xor'ed with 0x80 (a + 128 as u8), then vpdpbusd against the
 * 64-byte row r of the record (4 weights of each of 16 columns) adds (a+128)*w into each column's int32 lane;
 * starting from negsum = -128*sum(w) the lane ends at the exact dot, for every int8 a and w. A weight record is
 * loaded once per RM rows. Per block: acc = fma((float)isum, d_a*d_w, acc), block order, one rounding per
 * block (bit-identical to the AVX2 and AMX tiers). */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__AVX512BW__))
#include <immintrin.h>

#define RM 4

static inline __mmask16 column_mask(int64_t col0, int64_t n0, int64_t n1) {
    const int64_t lo = n0 > col0 ? n0 - col0 : 0;
    const int64_t hi = n1 < col0 + 16 ? n1 - col0 : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

void egemma_q8_0_gemm_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                             int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int64_t nb = k / EGEMMA_QK8_0;
    const int64_t g_lo = n0 / 16, g_hi = (n1 + 15) / 16;
    const __m512i x80 = _mm512_set1_epi32((int)0x80808080u);
    for (int64_t g0 = g_lo; g0 < g_hi; g0 += 2) {
        const int two = g0 + 1 < g_hi;
        const int64_t g1 = two ? g0 + 1 : g0;
        const __mmask16 mk0 = column_mask(g0 * 16, n0, n1), mk1 = two ? column_mask(g1 * 16, n0, n1) : 0;
        for (int64_t i0 = 0; i0 < m; i0 += RM) {
            const int rm = m - i0 < RM ? (int)(m - i0) : RM;
            const int8_t *arow[RM];
            const float *drow[RM];
            for (int i = 0; i < RM; i++) {
                const int64_t row = i0 + (i < rm ? i : 0); /* tail rows recompute row i0, never stored */
                arow[i] = qa + row * k;
                drow[i] = da + row * nb;
            }
            __m512 acc0[RM], acc1[RM];
            for (int i = 0; i < RM; i++) acc0[i] = acc1[i] = _mm512_setzero_ps();
            for (int64_t blk = 0; blk < nb; blk++) {
                const uint8_t *p0 = egemma_pack_record(packed, g0, nb, blk), *p1 = egemma_pack_record(packed, g1, nb, blk);
                __m512i s0[RM], s1[RM];
                const __m512i ns0 = _mm512_load_si512((const void *)(p0 + PK_NEGSUM));
                const __m512i ns1 = _mm512_load_si512((const void *)(p1 + PK_NEGSUM));
                for (int i = 0; i < RM; i++) { s0[i] = ns0; s1[i] = ns1; }
                for (int r = 0; r < 8; r++) {
                    const __m512i w0 = _mm512_load_si512((const void *)(p0 + PK_Q + r * 64));
                    const __m512i w1 = _mm512_load_si512((const void *)(p1 + PK_Q + r * 64));
                    for (int i = 0; i < RM; i++) {
                        int32_t a4;
                        memcpy(&a4, arow[i] + blk * 32 + r * 4, 4);
                        const __m512i av = _mm512_xor_si512(_mm512_set1_epi32(a4), x80);
                        s0[i] = _mm512_dpbusd_epi32(s0[i], av, w0);
                        s1[i] = _mm512_dpbusd_epi32(s1[i], av, w1);
                    }
                }
                const __m512 d0 = _mm512_load_ps((const void *)(p0 + PK_D)), d1 = _mm512_load_ps((const void *)(p1 + PK_D));
                for (int i = 0; i < RM; i++) {
                    const __m512 dai = _mm512_set1_ps(drow[i][blk]);
                    acc0[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[i]), _mm512_mul_ps(d0, dai), acc0[i]);
                    acc1[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1[i]), _mm512_mul_ps(d1, dai), acc1[i]);
                }
            }
            for (int i = 0; i < rm; i++) {
                float *crow = c + (i0 + i) * ldc;
                _mm512_mask_storeu_ps(crow + g0 * 16, mk0, acc0[i]);
                if (two) _mm512_mask_storeu_ps(crow + g1 * 16, mk1, acc1[i]);
            }
        }
    }
}

/* ggml's x86 quantize_row_q8_0 with 512-bit vectors: the same amax, the same d and 127/amax, the same product
 * rounded once, round half to even: bit-identical to the scalar quantizer. */
void egemma_q8_0_quantize_avx512(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da) {
    const int64_t nb = k / EGEMMA_QK8_0;
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t blk = 0; blk < nb; blk++) {
            const float *xb = x + i * k + blk * 32;
            const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
            const __m512 mx = _mm512_max_ps(_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v0), abs_mask)), _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v1), abs_mask)));
            const float amax = _mm512_reduce_max_ps(mx);
            const float d = amax / 127.0f;
            const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            da[i * nb + blk] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
            const __m512 mul = _mm512_set1_ps(id);
            const __m512i q0 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v0, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            const __m512i q1 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v1, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            _mm_storeu_si128((__m128i *)(qa + i * k + blk * 32), _mm512_cvtsepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(qa + i * k + blk * 32 + 16), _mm512_cvtsepi32_epi8(q1));
        }
    }
}
#else
#error "q8_0_gemm_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
