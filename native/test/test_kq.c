/* SPDX-License-Identifier: Apache-2.0 */
/* C unit tests of the super-block ("kq") GEMM (Q2_K..Q6_K, IQ4_XS), its packing, the Q8_K quantizer, and the
 * Q4_1/Q5_1 min term, through the public ABI, for every usable tier (egemma_set_isa_limit).
 *
 * What must hold, and why:
 *  - every tier equals, bit for bit, the block order computed here straight from the unpacked arrays (not from the
 *    packed layout): per super-block isum = sum over sub-blocks of sc * (sum of q*a) in wrapping int32,
 *    acc = fmaf((float)isum, d_w*d_a, acc); with mins msum = sum of mn * (sum of a), accMin likewise, c = acc - accMin.
 *    So the packing (quants, scales, the AVX-512 bias correction, paired mins) and each kernel are checked at once;
 *    the Java tests check the same bits against dev.egemma.kernels.java.BlockDot and ggml's own vectors;
 *  - quants and scales over the whole int8 range, not only the values a GGUF type produces (the integer steps must
 *    be exact whatever the magnitudes), and sizes that leave partial register tiles and pad columns (n 1, 15, 17,
 *    33, ..., m 1, 3, 5, 63, 65, ...);
 *  - a tile touches only columns [n0, n1) of rows [0, m);
 *  - Q4_1/Q5_1's min term: every tier adds the fmaf chain of mins x sums over the blocks, columns [n0, n1) only;
 *  - the Q8_K quantizer: |d*q - x| <= |d|/2 (one rounding), the sums of 16, zero blocks all zero, q in [-127, 127];
 *  - bad arguments are refused. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egemma.h"
#include "check.h"
#include "test_rng.h"

static float frnd(void) { return (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }
static int sub_of(int32_t f) { return f >= EGEMMA_KQ_SUB32 ? 32 : 16; }
static int has_min(int32_t f) { return f & 1; }
static const char *FORMAT[] = {"sub16", "sub16_min", "sub32", "sub32_min"};

/* the block order from the unpacked arrays */
static float reference(int32_t f, const int8_t *q, const int8_t *sc, const int8_t *mn, const float *d, const float *dmin, const int8_t *qa,
                       const float *da, const int16_t *bs, int64_t k, int64_t i, int64_t j) {
    const int sub = sub_of(f);
    const int64_t nbk = k / 256;
    float acc = 0.0f, acc_min = 0.0f;
    for (int64_t b = 0; b < nbk; b++) {
        uint32_t isum = 0, msum = 0;
        for (int s = 0; s < 256 / sub; s++) {
            int32_t dot = 0, asum = 0;
            for (int e = 0; e < sub; e++) {
                const int64_t at = b * 256 + s * sub + e;
                dot += q[j * k + at] * qa[i * k + at];
                asum += qa[i * k + at];
            }
            isum += (uint32_t)sc[j * (k / sub) + b * (256 / sub) + s] * (uint32_t)dot;
            if (has_min(f)) msum += (uint32_t)mn[j * (k / sub) + b * (256 / sub) + s] * (uint32_t)asum;
            int32_t bsum = 0; /* the quantizer's sums of 16 agree with the quants */
            for (int h = 0; h < sub / 16; h++) bsum += bs[i * (k / 16) + b * 16 + s * (sub / 16) + h];
            CHECK(bsum == asum, "bsums of row %lld block %lld sub %d", (long long)i, (long long)b, s);
        }
        acc = fmaf((float)(int32_t)isum, d[j * nbk + b] * da[i * nbk + b], acc);
        if (has_min(f)) acc_min = fmaf((float)(int32_t)msum, dmin[j * nbk + b] * da[i * nbk + b], acc_min);
    }
    return has_min(f) ? acc - acc_min : acc;
}

enum qrange { Q_TYPE, Q_FULL };

static int32_t best_tier;

static void check_product(uint32_t caps, int32_t f, int64_t m, int64_t n, int64_t k, enum qrange qr, int64_t n0, int64_t n1, int64_t ldc,
                          int zero_acts) {
    const int sub = sub_of(f);
    const int64_t nbk = k / 256, nsub = k / sub;
    int8_t *q = malloc((size_t)(n * k)), *sc = malloc((size_t)(n * nsub)), *mn = malloc((size_t)(n * nsub));
    float *d = malloc(sizeof(float) * (size_t)(n * nbk)), *dmin = malloc(sizeof(float) * (size_t)(n * nbk));
    for (int64_t t = 0; t < n * k; t++) q[t] = qr == Q_FULL ? (int8_t)(rnd() & 0xff) : (int8_t)((int)(rnd() % 64) - 32);
    for (int64_t t = 0; t < n * nsub; t++) {
        sc[t] = qr == Q_FULL ? (int8_t)(rnd() & 0xff) : (int8_t)(rnd() % 64);
        mn[t] = qr == Q_FULL ? (int8_t)(rnd() & 0xff) : (int8_t)(rnd() % 64);
    }
    for (int64_t t = 0; t < n * nbk; t++) {
        d[t] = frnd() * 1e-3f;
        dmin[t] = frnd() * 1e-3f;
    }
    const int64_t size = egemma_kq_pack_size(f, n, k);
    CHECK(size > 0 && size % 64 == 0, "pack size %lld", (long long)size);
    uint8_t *packed = aligned_alloc(64, (size_t)((size + 63) / 64 * 64));
    memset(packed, 0xa5, (size_t)size); /* the packer must write every byte it owns */
    /* two calls: 16 rows, then the rest (the second fills the pad columns) */
    const int64_t first = n > 16 ? 16 : n;
    CHECK(egemma_kq_pack(f, q, sc, mn, d, dmin, 0, first, n, k, packed) == 0, "pack rows [0, %lld)", (long long)first);
    if (first < n)
        CHECK(egemma_kq_pack(f, q + first * k, sc + first * nsub, mn + first * nsub, d + first * nbk, dmin + first * nbk, first, n - first, n,
                             k, packed) == 0,
              "pack rest");

    float *x = malloc(sizeof(float) * (size_t)(m * k));
    for (int64_t t = 0; t < m * k; t++) x[t] = zero_acts && t % 512 < 256 ? 0.0f : frnd() * ldexpf(1.0f, (int)(rnd() % 8) - 4);
    int8_t *qa = malloc((size_t)(m * k));
    float *da = malloc(sizeof(float) * (size_t)(m * nbk));
    int16_t *bs = malloc(sizeof(int16_t) * (size_t)(m * k / 16));
    CHECK(egemma_q8_k_quantize(x, k, 0, m, qa, da, bs) == 0, "quantize");

    float *ref = malloc(sizeof(float) * (size_t)(m * n));
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) ref[i * n + j] = reference(f, q, sc, mn, d, dmin, qa, da, bs, k, i, j);

    const int64_t scratch_size = egemma_q8_0_gemm_scratch_size(m, k);
    uint8_t *scratch = malloc((size_t)scratch_size);
    float *c = malloc(sizeof(float) * (size_t)(m * ldc));
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if (!((caps >> t) & 1u) || egemma_set_isa_limit(t) != t) continue;
        for (int64_t e = 0; e < m * ldc; e++) c[e] = -777.0f;
        CHECK(egemma_kq_gemm(f, qa, da, bs, m, k, packed, n, n0, n1, c, ldc, scratch, scratch_size) == 0, "gemm");
        int bad = 0;
        for (int64_t i = 0; i < m && bad < 3; i++)
            for (int64_t j = 0; j < ldc && bad < 3; j++) {
                const float want = j >= n0 && j < n1 ? ref[i * n + j] : -777.0f;
                const float got = c[i * ldc + j];
                if (memcmp(&want, &got, 4) != 0) {
                    bad++;
                    CHECK(0, "%s %s m=%lld n=%lld k=%lld [%lld,%lld) c[%lld][%lld] = %.9g, want %.9g", egemma_isa_name(t), FORMAT[f], (long long)m,
                          (long long)n, (long long)k, (long long)n0, (long long)n1, (long long)i, (long long)j, got, want);
                }
            }
        if (!bad) CHECK(1, "ok");
    }
    egemma_set_isa_limit(best_tier);
    free(q); free(sc); free(mn); free(d); free(dmin); free(packed); free(x); free(qa); free(da); free(bs); free(ref); free(scratch); free(c);
}

static void test_quantizer(void) {
    const int64_t k = 512;
    float x[2 * 512];
    for (int t = 0; t < 2 * 512; t++) x[t] = frnd() * 3.0f;
    for (int t = 256; t < 512; t++) x[t] = 0.0f; /* a zero block */
    int8_t q[2 * 512];
    float d[4];
    int16_t bs[2 * 32];
    CHECK(egemma_q8_k_quantize(x, k, 0, 2, q, d, bs) == 0, "quantize");
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 2; b++) {
            const float db = d[i * 2 + b];
            for (int e = 0; e < 256; e++) {
                const int64_t at = i * k + b * 256 + e;
                CHECK(q[at] >= -127 && q[at] <= 127, "q in [-127, 127]");
                CHECK(fabsf(db * q[at] - x[at]) <= fabsf(db) * 0.5f * (1 + 1e-5f) + 1e-30f, "row %d block %d e %d: %g * %d vs %g", i, b, e, db,
                      q[at], x[at]);
            }
            for (int s = 0; s < 16; s++) {
                int sum = 0;
                for (int e = 0; e < 16; e++) sum += q[i * k + b * 256 + s * 16 + e];
                CHECK(sum == bs[i * 32 + b * 16 + s], "bsum");
            }
        }
    CHECK(d[1] == 0.0f && bs[16] == 0 && q[256] == 0, "zero block");
}

/* Q4_1/Q5_1's min term on every tier: c + (fmaf chain over the blocks), columns [n0, n1) only */
static void check_min_term(uint32_t caps, int64_t m, int64_t n0, int64_t n1, int64_t ldm, int64_t nb) {
    const int64_t ldc = n1 + 3;
    float *mw = malloc(sizeof(float) * (size_t)(nb * ldm)), *sa = malloc(sizeof(float) * (size_t)(m * nb));
    float *c0 = malloc(sizeof(float) * (size_t)(m * ldc)), *c = malloc(sizeof(float) * (size_t)(m * ldc));
    for (int64_t t = 0; t < nb * ldm; t++) mw[t] = frnd() * ldexpf(1.0f, (int)(rnd() % 12) - 6);
    for (int64_t t = 0; t < m * nb; t++) sa[t] = frnd() * 100.0f;
    for (int64_t t = 0; t < m * ldc; t++) c0[t] = frnd();
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if (!((caps >> t) & 1u) || egemma_set_isa_limit(t) != t) continue;
        memcpy(c, c0, sizeof(float) * (size_t)(m * ldc));
        CHECK(egemma_add_min_term(c, ldc, m, n0, n1, mw, ldm, sa, nb) == 0, "min term");
        int bad = 0;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < ldc; j++) {
                float want = c0[i * ldc + j];
                if (j >= n0 && j < n1) {
                    float acc = 0.0f;
                    for (int64_t b = 0; b < nb; b++) acc = fmaf(mw[b * ldm + j], sa[i * nb + b], acc);
                    want = want + acc;
                }
                if (memcmp(&want, &c[i * ldc + j], 4) != 0 && bad++ < 2)
                    CHECK(0, "%s min term m=%lld [%lld,%lld) nb=%lld c[%lld][%lld] = %.9g, want %.9g", egemma_isa_name(t), (long long)m, (long long)n0,
                          (long long)n1, (long long)nb, (long long)i, (long long)j, c[i * ldc + j], want);
            }
        if (!bad) CHECK(1, "ok");
    }
    egemma_set_isa_limit(best_tier);
    free(mw); free(sa); free(c0); free(c);
}

/* every tier's Q8_K quantizer equals the scalar one byte for byte, edges included: zero blocks, tied maxima, subnormal
 * blocks (127/amax infinite), NaN and infinities */
static void test_quantizer_tiers(uint32_t caps) {
    enum { M = 12, K = 512 };
    static float x[M * K];
    for (int t = 0; t < M * K; t++) x[t] = frnd() * ldexpf(1.0f, (int)(rnd() % 20) - 10);
    for (int blk = 0; blk < M * K / 256; blk++) {
        float *b = x + blk * 256;
        switch (blk % 8) {
        case 0: memset(b, 0, 256 * sizeof *b); break;
        case 1: b[5] = -7.0f; b[9] = 7.0f; break;
        case 2: for (int j = 0; j < 256; j++) b[j] = frnd() * 1e-40f; break;
        case 3: b[17] = NAN; break;
        case 4: b[3] = INFINITY; break;
        case 5: b[100] = -INFINITY; b[7] = NAN; break;
        case 6: for (int j = 0; j < 256; j++) b[j] = frnd() * 3e38f; break;
        default: break;
        }
    }
    int8_t q0[M * K], q1[M * K];
    float d0[M * K / 256], d1[M * K / 256];
    int16_t s0[M * K / 16], s1[M * K / 16];
    egemma_set_isa_limit(EGEMMA_ISA_SCALAR);
    CHECK(egemma_q8_k_quantize(x, K, 0, M, q0, d0, s0) == 0, "scalar quantize");
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if (!((caps >> t) & 1u) || egemma_set_isa_limit(t) != t) continue;
        memset(q1, 0x55, sizeof q1);
        CHECK(egemma_q8_k_quantize(x, K, 0, M, q1, d1, s1) == 0, "quantize");
        CHECK(memcmp(q0, q1, sizeof q0) == 0, "%s: Q8_K quants differ from the scalar tier's", egemma_isa_name(t));
        CHECK(memcmp(d0, d1, sizeof d0) == 0, "%s: Q8_K scales differ", egemma_isa_name(t));
        CHECK(memcmp(s0, s1, sizeof s0) == 0, "%s: Q8_K sums differ", egemma_isa_name(t));
    }
    egemma_set_isa_limit(best_tier);
}

static void test_bad_arguments(void) {
    int8_t q[256] = {0}, sc[16] = {0};
    float d[1] = {0}, x[256] = {0}, c[16];
    int16_t bs[16];
    _Alignas(64) static uint8_t packed[8192];
    uint8_t scratch[1 << 16];
    CHECK(egemma_kq_pack_size(4, 16, 256) == EGEMMA_ERR_BAD_ARGUMENT, "unknown format");
    CHECK(egemma_kq_pack_size(0, 16, 255) == EGEMMA_ERR_BAD_ARGUMENT, "k not a multiple of 256");
    CHECK(egemma_kq_pack_size(0, 0, 256) == EGEMMA_ERR_BAD_ARGUMENT, "no rows");
    CHECK(egemma_kq_pack(EGEMMA_KQ_SUB16_MIN, q, sc, NULL, d, d, 0, 1, 1, 256, packed) == EGEMMA_ERR_BAD_ARGUMENT, "mins missing");
    CHECK(egemma_kq_pack(EGEMMA_KQ_SUB16, q, sc, NULL, d, NULL, 8, 1, 9, 256, packed) == EGEMMA_ERR_BAD_ARGUMENT, "j0 not a multiple of 16");
    CHECK(egemma_kq_pack(EGEMMA_KQ_SUB16, q, sc, NULL, d, NULL, 0, 1, 17, 256, packed) == EGEMMA_ERR_BAD_ARGUMENT, "rows not a multiple of 16");
    CHECK(egemma_kq_pack(EGEMMA_KQ_SUB16, q, sc, NULL, d, NULL, 0, 1, 1, 256, packed + 1) == EGEMMA_ERR_BAD_ARGUMENT, "misaligned");
    CHECK(egemma_kq_pack(EGEMMA_KQ_SUB16, q, sc, NULL, d, NULL, 0, 1, 1, 256, packed) == 0, "one row");
    CHECK(egemma_q8_k_quantize(x, 128, 0, 1, q, d, bs) == EGEMMA_ERR_BAD_ARGUMENT, "quantize k");
    CHECK(egemma_q8_k_quantize(x, 256, 0, 1, q, d, bs) == 0, "quantize");
    const int64_t ss = egemma_q8_0_gemm_scratch_size(1, 256);
    CHECK(egemma_kq_gemm(EGEMMA_KQ_SUB16, q, d, bs, 1, 256, packed, 1, 0, 1, c, 1, scratch, ss - 1) == EGEMMA_ERR_BAD_ARGUMENT, "scratch");
    CHECK(egemma_kq_gemm(EGEMMA_KQ_SUB16, q, d, bs, 1, 256, packed, 1, 0, 2, c, 2, scratch, ss) == EGEMMA_ERR_BAD_ARGUMENT, "n1 > n");
    CHECK(egemma_kq_gemm(EGEMMA_KQ_SUB16, q, d, bs, 1, 256, packed, 1, 0, 1, c, 0, scratch, ss) == EGEMMA_ERR_BAD_ARGUMENT, "ldc");
    CHECK(egemma_kq_gemm(7, q, d, bs, 1, 256, packed, 1, 0, 1, c, 1, scratch, ss) == EGEMMA_ERR_BAD_ARGUMENT, "format");
    CHECK(egemma_kq_gemm(EGEMMA_KQ_SUB16, q, d, bs, 1, 256, packed + 1, 1, 0, 1, c, 1, scratch, ss) == EGEMMA_ERR_BAD_ARGUMENT, "misaligned");
    CHECK(egemma_kq_gemm(EGEMMA_KQ_SUB16, q, d, bs, 1, 256, packed, 1, 0, 1, c, 1, scratch, ss) == 0, "ok");
    CHECK(egemma_q8_1_sums(x, 33, 0, 1, d) == EGEMMA_ERR_BAD_ARGUMENT, "q8_1 k");
    CHECK(egemma_add_min_term(c, 1, 1, 0, 2, d, 2, d, 1) == EGEMMA_ERR_BAD_ARGUMENT, "min term ldc");
    CHECK(egemma_add_min_term(c, 2, 1, 0, 2, d, 1, d, 1) == EGEMMA_ERR_BAD_ARGUMENT, "min term ldm");
}

int main(int argc, char **argv) {
    rng_state = 0x51ED2701A3C94B7Dull;
    const int quick = argc > 1 && strcmp(argv[1], "--quick") == 0; /* under an emulator */
    const uint32_t caps = egemma_caps();
    best_tier = egemma_active_isa();
    test_quantizer();
    test_quantizer_tiers(caps);
    test_bad_arguments();
    static const int64_t mins_n[][3] = {{0, 1, 1}, {0, 7, 7}, {3, 37, 40}, {0, 64, 64}, {16, 33, 33}, {5, 22, 100}};
    for (size_t t = 0; t < sizeof mins_n / sizeof mins_n[0]; t++)
        for (int64_t m = 1; m <= 5; m += 2) check_min_term(caps, m, mins_n[t][0], mins_n[t][1], mins_n[t][2], 1 + (int64_t)(t * 7 % 36));
    static const int64_t ms[] = {1, 3, 4, 5, 17, 63, 65, 70};
    static const int64_t ns[] = {1, 15, 16, 17, 33, 47};
    for (int32_t f = 0; f < 4; f++) {
        for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
            for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
                if (quick && (a + b) % 3) continue;
                const int64_t k = 256 * (int64_t)(1 + (a + b + (size_t)f) % 3);
                check_product(caps, f, ms[a], ns[b], k, (a + b) % 2 ? Q_FULL : Q_TYPE, 0, ns[b], ns[b], (int)(a % 4 == 3));
            }
        /* tiles inside the matrix, a wider C; the model's widths */
        check_product(caps, f, 9, 100, 768, Q_TYPE, 5, 37, 101, 0);
        check_product(caps, f, 5, 100, 1152 / 256 * 256, Q_FULL, 48, 100, 100, 0);
        if (!quick) check_product(caps, f, 130, 50, 3072, Q_TYPE, 0, 50, 50, 0);
    }
    printf("kq: %d checks, %d passed, %d failed\n", checks, checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
