/* SPDX-License-Identifier: Apache-2.0 */
/* C tests of libegemma's F32 row ops against plain reference loops written from the definitions in
 * include/egemma.h (the order of dev.egemma.kernels.java: ggml_vec_dot_f32, ggml's AVX-512 softmax, NEOX RoPE,
 * the double L2 sum), bit for bit: attention on sequence lengths around the 16- and 64-element chunks, with and
 * without a window; mean pooling; RoPE with a scale; L2 including the all-zero row; and the argument checks. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egemma.h"
#include "check.h"
#include "test_rng.h"

static float gauss(float scale) { /* sum of 4 uniforms: roughly normal, reproducible */
    float s = 0;
    for (int i = 0; i < 4; i++) s += (float)(rnd() >> 40) / (float)(1 << 24) - 0.5f;
    return s * scale;
}
static void fill(float *x, int64_t n, float scale) { for (int64_t i = 0; i < n; i++) x[i] = gauss(scale); }

static int same_bits(const float *a, const float *b, int64_t n, int64_t *at) {
    for (int64_t i = 0; i < n; i++)
        if (memcmp(a + i, b + i, sizeof(float)) != 0) { *at = i; return 0; }
    return 1;
}

/* _mm512_reduce_add_ps's tree over v[0..16) */
static float ref_reduce16(const float *v) {
    float t[8], u[4];
    for (int i = 0; i < 8; i++) t[i] = v[i + 8] + v[i];
    for (int i = 0; i < 4; i++) u[i] = t[i + 4] + t[i];
    return (u[0] + u[2]) + (u[1] + u[3]);
}

/* ggml_vec_dot_f32 over n elements, strided, terms with y == 0 outside lo..hi skipped (they change no sum) */
static float ref_dot(const float *x, int64_t xs, const float *y, int64_t n, int64_t lo, int64_t hi) {
    int64_t np = n / 64 * 64;
    float sum = 0;
    if (np > 0 && lo < np) {
        float acc[64] = {0};
        for (int64_t j = lo; j <= hi && j < np; j++) acc[j % 64] = fmaf(x[j * xs], y[j], acc[j % 64]);
        for (int l = 0; l < 16; l++) { acc[l] += acc[32 + l]; acc[16 + l] += acc[48 + l]; }
        for (int l = 0; l < 16; l++) acc[l] += acc[16 + l];
        sum = ref_reduce16(acc);
    }
    for (int64_t j = np > lo ? np : lo; j <= hi; j++) sum += x[j * xs] * y[j];
    return sum;
}

static float ref_vexpf(float x) {
    const float r = 0x1.8p23f, z = fmaf(x, 0x1.715476p+0f, r), n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    return ldexpf(j, (int)n);
}

static void ref_attention(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t qs,
                          int64_t ks, int64_t vs, int64_t os, int64_t dk, int64_t dv, int64_t hw, float *p) {
    const int64_t vec = tokens / 16 * 16;
    for (int64_t i = 0; i < tokens; i++) {
        int64_t lo = hw < 0 || i - hw < 0 ? 0 : i - hw, hi = hw < 0 || i + hw > tokens - 1 ? tokens - 1 : i + hw;
        float max = -INFINITY;
        for (int64_t j = 0; j < tokens; j++) p[j] = 0;
        for (int64_t j = lo; j <= hi; j++) {
            /* a dense dot of head_dim elements: y = q row, all visible */
            p[j] = ref_dot(k + j * ks, 1, q + i * qs, dk, 0, dk - 1);
            if (p[j] > max) max = p[j];
        }
        double sum = 0;
        for (int64_t j = lo; j <= hi; j++) p[j] = j < vec ? ref_vexpf(p[j] - max) : (float)exp((double)(p[j] - max));
        for (int64_t c = lo / 16 * 16; c < vec && c <= hi; c += 16) sum += ref_reduce16(p + c);
        for (int64_t j = vec > lo ? vec : lo; j <= hi; j++) sum += p[j];
        const float inv = (float)(1.0 / sum);
        for (int64_t j = lo; j <= hi; j++) p[j] *= inv;
        for (int64_t d = 0; d < dv; d++) out[i * os + d] = ref_dot(v + d, vs, p, tokens, lo, hi);
    }
}

static void test_attention(void) {
    const uint32_t caps = egemma_caps();
    const int32_t best = egemma_active_isa();
    static const int64_t tokens_list[] = {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 129, 257, 300, 1000};
    static const int64_t dims[][2] = {{64, 64}, {256, 256}, {40, 72}, {128, 80}}; /* 80: AVX2 tier only (16-lane blocks) */
    for (size_t t = 0; t < sizeof tokens_list / sizeof *tokens_list; t++)
        for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
            for (int w = 0; w < 3; w++)
                for (int64_t heads = 1; heads <= 2; heads++) {
                    /* no window, a narrow one, and one wider than a tile of queries (EGEMMA_ATTENTION_TILE = 32); one
                     * query head, and two sharing the KV head (egemma_attention attends a KV head's query heads) */
                    const int64_t n = tokens_list[t], dk = dims[d][0], dv = dims[d][1], hw = (int64_t[]){-1, 4, 37}[w];
                    /* 1,000 keys: rows long enough for the tiers' class-major probabilities (12+ blocks), one shape */
                    if (n == 1000 && (d != 0 || w != 0)) continue;
#if !defined(__x86_64__) && !defined(_M_X64)
                    /* only the portable attention here (its tiles are x86's): the cases that test tiles would cost
                     * minutes under qemu for nothing new */
                    if (w == 2 || n >= 300 || (heads == 2 && n > 65)) continue;
#endif
                    const int64_t qs = heads * dk + 3, ks = dk + 1, vs = dv + 5, os = heads * dv + 2; /* padding */
                    float *q = malloc(sizeof(float) * n * qs), *k = malloc(sizeof(float) * n * ks),
                          *v = malloc(sizeof(float) * n * vs), *want = calloc(n * os, sizeof(float)),
                          *got = calloc(n * os, sizeof(float)), *p = malloc(sizeof(float) * n),
                          *s = malloc(sizeof(float) * egemma_attention_scratch_size(n, dk, dv));
                    fill(q, n * qs, 1.5f);
                    fill(k, n * ks, 1.5f);
                    fill(v, n * vs, 2.0f);
                    for (int64_t h = 0; h < heads; h++) ref_attention(q + h * dk, k, v, want + h * dv, n, qs, ks, vs, os, dk, dv, hw, p);
                    /* every tier (AVX2 and AVX-512 have attentions of their own, the others run the portable one) */
                    for (int32_t tier = 0; tier < EGEMMA_ISA_COUNT; tier++) {
                        if (!((caps >> tier) & 1u) || egemma_set_isa_limit(tier) != tier) continue;
                        CHECK(egemma_attention(q, k, v, got, n, qs, ks, vs, os, dk, dv, heads, hw, 0, n, s) == 0, "attention refused");
                        int64_t at = -1;
                        CHECK(same_bits(want, got, n * os, &at), "attention tokens=%lld dims=%lld/%lld window=%lld heads=%lld: differs at %lld (%.9g vs %.9g)",
                              (long long)n, (long long)dk, (long long)dv, (long long)hw, (long long)heads, (long long)at, at >= 0 ? want[at] : 0.0,
                              at >= 0 ? got[at] : 0.0);
                        /* the queries in three ranges (cuts off the tiles and 4-query groups of the tiers): the same bits,
                         * and a range call writes only its own rows */
                        const int64_t c1 = n / 3, c2 = n - n / 4;
                        for (int64_t e = 0; e < n * os; e++) got[e] = -7.0f;
                        CHECK(egemma_attention(q, k, v, got, n, qs, ks, vs, os, dk, dv, heads, hw, c1, c2, s) == 0, "attention range refused");
                        for (int64_t e = 0; e < n * os; e++)
                            if (e / os < c1 || e / os >= c2)
                                CHECK(got[e] == -7.0f, "attention rows [%lld, %lld) of %lld wrote row %lld", (long long)c1, (long long)c2, (long long)n, (long long)(e / os));
                        CHECK(egemma_attention(q, k, v, got, n, qs, ks, vs, os, dk, dv, heads, hw, 0, c1, s) == 0, "attention range refused");
                        CHECK(egemma_attention(q, k, v, got, n, qs, ks, vs, os, dk, dv, heads, hw, c2, n, s) == 0, "attention range refused");
                        for (int64_t e = 0; e < n * os; e++)
                            if (e % os >= heads * dv) got[e] = want[e]; /* row padding: never written */
                        CHECK(same_bits(want, got, n * os, &at), "attention tokens=%lld dims=%lld/%lld window=%lld heads=%lld in ranges: differs at %lld",
                              (long long)n, (long long)dk, (long long)dv, (long long)hw, (long long)heads, (long long)at);
                    }
                    free(q), free(k), free(v), free(want), free(got), free(p), free(s);
                }
    egemma_set_isa_limit(best);
    CHECK(egemma_attention_scratch_size(-1, 64, 64) == -1 && egemma_attention_scratch_size(INT64_MAX / 2, 64, 64) == -1 &&
              egemma_attention_scratch_size(5, 0, 64) == -1 && egemma_attention_scratch_size(5, 64, -1) == -1,
          "scratch size of a bad count");
    CHECK(egemma_attention_scratch_size(2, 256, 256) < egemma_attention_scratch_size(3, 256, 256), "scratch grows with the tokens");
    float x[4] = {0};
    /* args: q k v out tokens q_stride k_stride v_stride o_stride head_dim head_dim_v heads half_window q0 q1 scratch */
    CHECK(egemma_attention(x, x, x, x, 1, 1, 1, 1, 1, 2, 1, 1, -1, 0, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "q_stride < head_dim accepted");
    CHECK(egemma_attention(x, x, x, x, 1, 3, 2, 1, 2, 2, 1, 2, -1, 0, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "q_stride < heads * head_dim accepted");
    CHECK(egemma_attention(x, x, x, x, 1, 4, 2, 1, 1, 2, 1, 2, -1, 0, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "o_stride < heads * head_dim_v accepted");
    CHECK(egemma_attention(x, x, x, x, 1, 1, 1, 1, 1, 1, 1, 0, -1, 0, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "zero heads accepted");
    CHECK(egemma_attention(x, x, x, x, -1, 1, 1, 1, 1, 1, 1, 1, -1, 0, 0, x) == EGEMMA_ERR_BAD_ARGUMENT, "negative tokens accepted");
    CHECK(egemma_attention(x, x, x, x, 2, 1, 1, 1, 1, 1, 1, 1, -1, 0, 3, x) == EGEMMA_ERR_BAD_ARGUMENT, "q1 > tokens accepted");
    CHECK(egemma_attention(x, x, x, x, 2, 1, 1, 1, 1, 1, 1, 1, -1, 2, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "q0 > q1 accepted");
    CHECK(egemma_attention(x, x, x, x, 2, 1, 1, 1, 1, 1, 1, 1, -1, -1, 1, x) == EGEMMA_ERR_BAD_ARGUMENT, "q0 < 0 accepted");
    CHECK(egemma_attention(x, x, x, x, 1, 1, 1, 1, 1, 1, 1, 1, -1, 0, 1, NULL) == EGEMMA_ERR_BAD_ARGUMENT, "NULL scratch accepted");
}

static void test_mean_pool(void) {
    static const int64_t tokens_list[] = {1, 2, 17, 63, 64, 65, 200, 1000};
    static const int64_t widths[] = {1, 65, 768};
    for (size_t t = 0; t < sizeof tokens_list / sizeof *tokens_list; t++)
        for (size_t c = 0; c < sizeof widths / sizeof *widths; c++) {
            const int64_t n = tokens_list[t], w = widths[c];
            float *x = malloc(sizeof(float) * n * w), *ones = malloc(sizeof(float) * n), *want = malloc(sizeof(float) * w),
                  *got = malloc(sizeof(float) * w);
            fill(x, n * w, 4.0f);
            for (int64_t i = 0; i < n; i++) ones[i] = 1.0f / (float)n;
            for (int64_t j = 0; j < w; j++) want[j] = ref_dot(x + j, w, ones, n, 0, n - 1);
            CHECK(egemma_mean_pool(x, n, w, ones, got) == 0, "mean pool refused");
            int64_t at = -1;
            CHECK(same_bits(want, got, w, &at), "mean pool tokens=%lld width=%lld: differs at %lld", (long long)n, (long long)w, (long long)at);
            free(x), free(ones), free(want), free(got);
        }
    float x[2] = {0};
    CHECK(egemma_mean_pool(x, 0, 1, x, x) == EGEMMA_ERR_BAD_ARGUMENT, "zero tokens accepted");
}

static void test_rope_l2(void) {
    const int64_t tokens = 33, heads = 3, hd = 64, half = hd / 2, stride = heads * hd + 7;
    float *x = malloc(sizeof(float) * tokens * stride), *want = malloc(sizeof(float) * tokens * stride),
          *c = malloc(sizeof(float) * tokens * half), *s = malloc(sizeof(float) * tokens * half);
    fill(c, tokens * half, 2.0f);
    fill(s, tokens * half, 2.0f);
    for (int pass = 0; pass < 2; pass++) {
        const float scale = pass == 0 ? 1.0f : 0.37f;
        fill(x, tokens * stride, 3.0f);
        memcpy(want, x, sizeof(float) * tokens * stride);
        for (int64_t t = 0; t < tokens; t++)
            for (int64_t h = 0; h < heads; h++) {
                float *o = want + t * stride + h * hd;
                for (int64_t i = 0; i < half; i++) {
                    const float x0 = o[i], x1 = o[i + half], ci = c[t * half + i], si = s[t * half + i];
                    o[i] = fmaf(x0, ci, -(x1 * si));
                    o[i + half] = fmaf(x0, si, x1 * ci);
                }
                if (scale != 1.0f) for (int64_t j = 0; j < hd; j++) o[j] *= scale;
            }
        CHECK(egemma_rope_neox(x, tokens, stride, heads, hd, c, s, scale) == 0, "rope refused");
        int64_t at = -1;
        CHECK(same_bits(want, x, tokens * stride, &at), "rope scale=%g: differs at %lld", scale, (long long)at);
    }
    CHECK(egemma_rope_neox(x, 1, 10, 1, 16, c, s, 1.0f) == EGEMMA_ERR_BAD_ARGUMENT, "row stride < head accepted");

    for (int64_t n = 1; n <= 1000; n = n * 3 + 1) {
        fill(x, n, 5.0f);
        memcpy(want, x, sizeof(float) * n);
        double sum = 0;
        for (int64_t j = 0; j < n; j++) sum += (double)(want[j] * want[j]);
        const float norm = sum > 0 ? (float)(1.0 / sqrt(sum)) : 0.0f;
        for (int64_t j = 0; j < n; j++) want[j] *= norm;
        CHECK(egemma_l2_normalize(x, n) == 0, "l2 refused");
        int64_t at = -1;
        CHECK(same_bits(want, x, n, &at), "l2 n=%lld: differs at %lld", (long long)n, (long long)at);
    }
    memset(x, 0, sizeof(float) * 8);
    CHECK(egemma_l2_normalize(x, 8) == 0 && x[3] == 0.0f, "zero row");
    free(x), free(want), free(c), free(s);
}

/* ---- F32 / F16 / BF16 GEMM -------------------------------------------------------------------------------- */

static uint16_t ref_fp16(float f) { /* float -> binary16, round to nearest even (the test needs only finite inputs) */
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) { /* subnormal half: multiples of 2^-24, rounded to nearest even by rintf */
        return (uint16_t)(sign | (uint32_t)rintf(ldexpf(fabsf(f), 24)));
    }
    const uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);
    return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
}

static float ref_half(uint16_t h) { /* binary16 -> float from the definition: (-1)^s 2^(e-15) (1 + m/1024), subnormals 2^-14 m/1024 */
    const int e = (h >> 10) & 31, m = h & 1023;
    const float v = e == 0 ? ldexpf((float)m, -24) : ldexpf(1.0f + (float)m / 1024.0f, e - 15);
    return (h & 0x8000u) ? -v : v;
}

/* weights of one GEMM case as floats (what the kernels must widen them to) and as the bytes they read */
static float weight_value(const uint8_t *w, int32_t t, int64_t i) {
    if (t == EGEMMA_TYPE_F32) { float f; memcpy(&f, w + 4 * i, 4); return f; }
    uint16_t h;
    memcpy(&h, w + 2 * i, 2);
    if (t == EGEMMA_TYPE_F16) return ref_half(h);
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* tinyBLAS for k % 16 == 0 (lane l mod 16, fused, reduce16), else ggml_vec_dot_f32 */
static float ref_float_dot(const float *a, const float *wrow, int64_t k) {
    if (k % 16 != 0) return ref_dot(a, 1, wrow, k, 0, k - 1);
    float acc[16] = {0};
    for (int64_t l = 0; l < k; l++) acc[l % 16] = fmaf(a[l], wrow[l], acc[l % 16]);
    return ref_reduce16(acc);
}

static void float_gemm_case(int32_t t, int64_t m, int64_t n, int64_t k, int64_t n0, int64_t n1, uint32_t caps) {
    const int64_t eb = t == EGEMMA_TYPE_F32 ? 4 : 2, ldc = n1 + 3;
    float *a = malloc(sizeof(float) * m * k), *wf = malloc(sizeof(float) * n * k), *want = malloc(sizeof(float) * m * ldc),
          *got = malloc(sizeof(float) * m * ldc);
    uint8_t *w = malloc((size_t)(n * k * eb) + 1);
    uint8_t *wu = w + 1; /* rows at an odd address: the kernels must not assume alignment */
    fill(a, m * k, 3.0f);
    for (int64_t i = 0; i < n * k; i++) {
        float x = gauss(0.2f);
        if (i % 97 == 5) x *= 1e-4f;  /* fp16 subnormals */
        if (i % 89 == 7) x *= 3000.0f; /* large magnitudes */
        if (t == EGEMMA_TYPE_F32) memcpy(wu + 4 * i, &x, 4);
        else {
            uint32_t bits;
            memcpy(&bits, &x, 4);
            const uint16_t h = t == EGEMMA_TYPE_F16 ? ref_fp16(x) : (uint16_t)(bits >> 16);
            memcpy(wu + 2 * i, &h, 2);
        }
        wf[i] = weight_value(wu, t, i);
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < ldc; j++) want[i * ldc + j] = j >= n0 && j < n1 ? ref_float_dot(a + i * k, wf + j * k, k) : -7.0f;
    for (int32_t tier = 0; tier < EGEMMA_ISA_COUNT; tier++) {
        if (!((caps >> tier) & 1u) || egemma_set_isa_limit(tier) != tier) continue;
        for (int64_t i = 0; i < m * ldc; i++) got[i] = -7.0f; /* entries outside the tile must stay untouched */
        CHECK(egemma_float_gemm(a, m, k, wu, t, n, n0, n1, got, ldc) == 0, "float gemm refused");
        int64_t at = -1;
        CHECK(same_bits(want, got, m * ldc, &at), "float gemm %s type=%d m=%lld n=%lld k=%lld cols [%lld,%lld): differs at %lld (%.9g vs %.9g)",
              egemma_isa_name(tier), (int)t, (long long)m, (long long)n, (long long)k, (long long)n0, (long long)n1, (long long)at,
              at >= 0 ? want[at] : 0.0, at >= 0 ? got[at] : 0.0);
    }
    free(a), free(wf), free(want), free(got), free(w);
}

static void test_float_gemm(void) {
    static const int32_t types[] = {EGEMMA_TYPE_F32, EGEMMA_TYPE_F16, EGEMMA_TYPE_BF16};
    static const int64_t ms[] = {1, 2, 3, 5, 31, 33, 65}, ns[] = {1, 2, 3, 7, 33}, ks[] = {16, 32, 48, 768, 1, 33, 100};
    const uint32_t caps = egemma_caps();
    const int32_t best = egemma_active_isa();
    for (size_t t = 0; t < 3; t++)
        for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
            for (size_t b = 0; b < sizeof ns / sizeof *ns; b++)
                for (size_t c = 0; c < sizeof ks / sizeof *ks; c++) {
                    const int64_t n = ns[b];
                    float_gemm_case(types[t], ms[a], n, ks[c], 0, n, caps);
                    if (n > 2) float_gemm_case(types[t], ms[a], n, ks[c], 1, n - 1, caps); /* a sub-range of the columns */
                }
    /* the model's shapes, once each: a 64-row chunk boundary and every column remainder of the tiles */
    float_gemm_case(EGEMMA_TYPE_F16, 130, 37, 1152, 0, 37, caps);
    float_gemm_case(EGEMMA_TYPE_BF16, 70, 13, 3072, 2, 13, caps);
    egemma_set_isa_limit(best);
    float x[64] = {0};
    CHECK(egemma_float_gemm(x, 1, 16, x, 2, 1, 0, 1, x, 1) == EGEMMA_ERR_BAD_ARGUMENT, "unknown weight type accepted");
    CHECK(egemma_float_gemm(x, 1, 16, x, EGEMMA_TYPE_F32, 1, 0, 2, x, 2) == EGEMMA_ERR_BAD_ARGUMENT, "n1 > n accepted");
    CHECK(egemma_float_gemm(x, 1, 16, x, EGEMMA_TYPE_F32, 2, 0, 2, x, 1) == EGEMMA_ERR_BAD_ARGUMENT, "ldc < n1 accepted");
    CHECK(egemma_float_gemm(x, -1, 16, x, EGEMMA_TYPE_F32, 1, 0, 1, x, 1) == EGEMMA_ERR_BAD_ARGUMENT, "negative m accepted");
    CHECK(egemma_float_gemm(x, 1, 0, x, EGEMMA_TYPE_F32, 1, 0, 1, x, 1) == EGEMMA_ERR_BAD_ARGUMENT, "k = 0 accepted");
    CHECK(egemma_float_gemm(NULL, 1, 16, x, EGEMMA_TYPE_F32, 1, 0, 1, x, 1) == EGEMMA_ERR_BAD_ARGUMENT, "NULL a accepted");
    CHECK(egemma_float_gemm(x, 0, 16, x, EGEMMA_TYPE_F32, 1, 0, 1, x, 1) == 0, "m = 0 refused");
}

int main(void) {
    rng_state = 0x2545F4914F6CDD1Dull;
    test_attention();
    test_mean_pool();
    test_rope_l2();
    test_float_gemm();
    printf("%d checks, %d passed, %d failed\n", checks, checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
