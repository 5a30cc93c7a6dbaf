/* SPDX-License-Identifier: Apache-2.0 */
/* C unit tests of libegemma through its public ABI.
 *
 *   egemma_tests                          all checks, every usable tier
 *   egemma_tests --expect-tiers a,b,c     also: the usable tiers are exactly these (qemu -cpu runs)
 *   egemma_tests --expect-active <tier>   also: the tier active at start is this one (EGEMMA_ISA runs)
 *
 * Tolerance of a tier against the scalar tier, derived: the integer sum of each block is exact (|sum| <=
 * 32*128*128 = 2^19) and d_a*d_b is exact in float (two 11-bit significands; fp16 exponents keep the
 * product far inside float's normal range), so the only rounding is in the products sum_b*(d_a*d_b) or
 * partial-lane products (one rounding each) and in the float additions. Any evaluation order of a sum of
 * m terms, each rounded once, is within gamma_{m+1} * S of the exact value (Higham, 2002, eq. 3.5), where
 * S = sum over blocks of |d_a*d_b| * sum_i |qa_i*qb_i| bounds the sum of the terms' magnitudes whatever the
 * grouping, u = 2^-24 and gamma_k = k*u/(1-k*u). A tier splits a block into at most 32 partial lanes, so
 * m <= 32*n, and two results differ by at most 2*gamma_{32n+1}*S. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egemma.h"
#include "check.h"
#include "test_rng.h"


static double fp16_to_double(uint16_t h) {
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0 ? ldexp(mant, -24) : ldexp(mant | 0x400, exp - 25);
    return (h & 0x8000) ? -v : v;
}

enum fill { FILL_RANDOM, FILL_MAX, FILL_MIN, FILL_ALTERNATE, FILL_ZERO_SCALE, FILL_SUBNORMAL, FILL_HUGE_SCALE, FILL_UNIT_SCALE, FILL_GGML };
static const char *FILL_NAMES[] = {"random", "all+127", "all-128", "+127/-128", "zero-scale", "subnormal-scale", "max-fp16-scale", "unit-scale", "ggml-range"};
#define N_FILLS 9

static uint16_t random_scale(void) {
    /* normal fp16 in roughly [2^-10, 2^2), either sign, like real Q8_0 scales (amax/127) */
    uint16_t exp = (uint16_t)(5 + rnd() % 12), mant = (uint16_t)(rnd() & 0x3ff), sign = (uint16_t)(rnd() & 1);
    return (uint16_t)((sign << 15) | (exp << 10) | mant);
}

static void fill_row(uint8_t *row, int64_t n, enum fill f, int which) {
    for (int64_t blk = 0; blk < n; blk++) {
        uint8_t *p = row + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        uint16_t d;
        switch (f) {
        case FILL_ZERO_SCALE: d = (blk % 2) ? 0x0000 : 0x8000; break; /* +0 and -0 */
        case FILL_SUBNORMAL: d = (uint16_t)(1 + rnd() % 0x3ff); break;
        case FILL_HUGE_SCALE: d = 0x7bff; break; /* 65504 */
        case FILL_UNIT_SCALE: d = 0x3c00; break; /* 1.0 */
        default: d = random_scale(); break;
        }
        memcpy(p, &d, 2);
        int8_t *q = (int8_t *)(p + 2);
        for (int i = 0; i < EGEMMA_QK8_0; i++) {
            switch (f) {
            case FILL_MAX: q[i] = 127; break;
            case FILL_MIN: q[i] = -128; break;
            case FILL_ALTERNATE: q[i] = ((i + which) % 2) ? 127 : -128; break;
            case FILL_GGML: q[i] = (int8_t)((int)(rnd() % 255) - 127); break; /* what ggml's quantizers emit */
            default: q[i] = (int8_t)(rnd() & 0xff); break;
            }
        }
    }
}

/* exact value (double is exact here: every term is an integer times a product of two fp16 values) and S */
static void reference(const uint8_t *a, const uint8_t *b, int64_t n, double *exact, double *mag) {
    long double sum = 0;
    double s = 0;
    for (int64_t blk = 0; blk < n; blk++) {
        const uint8_t *pa = a + blk * EGEMMA_Q8_0_BLOCK_BYTES, *pb = b + blk * EGEMMA_Q8_0_BLOCK_BYTES;
        uint16_t da, db;
        memcpy(&da, pa, 2);
        memcpy(&db, pb, 2);
        const double d = fp16_to_double(da) * fp16_to_double(db);
        long sumi = 0, sumabs = 0;
        for (int i = 0; i < EGEMMA_QK8_0; i++) {
            const long p = (long)((const int8_t *)(pa + 2))[i] * ((const int8_t *)(pb + 2))[i];
            sumi += p;
            sumabs += labs(p);
        }
        sum += (long double)d * sumi;
        s += fabs(d) * (double)sumabs;
    }
    *exact = (double)sum;
    *mag = s;
}

static double gamma_k(double k) {
    const double u = ldexp(1.0, -24);
    return k * u / (1 - k * u);
}

static void test_tier(int32_t tier, uint8_t *a, uint8_t *b) {
    static const int64_t sizes[] = {1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 255, 256, 257, 300, 1000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const int64_t n = sizes[si];
        for (int f = 0; f < N_FILLS; f++) {
            fill_row(a, n, (enum fill)f, 0);
            fill_row(b, n, (enum fill)f, 1);
            double exact, mag;
            reference(a, b, n, &exact, &mag);

            CHECK(egemma_set_isa_limit(EGEMMA_ISA_SCALAR) == EGEMMA_ISA_SCALAR, "cannot select scalar");
            const float scalar = egemma_q8_0_dot(a, b, n);
            CHECK(egemma_set_isa_limit(tier) == tier, "cannot select %s", egemma_isa_name(tier));
            const float got = egemma_q8_0_dot(a, b, n);

            const double tol_exact = gamma_k(32.0 * n + 1) * mag;
            CHECK(isfinite(got), "%s n=%lld %s: not finite (%g)", egemma_isa_name(tier), (long long)n, FILL_NAMES[f], got);
            CHECK(fabs(got - exact) <= tol_exact, "%s n=%lld %s: %.9g vs exact %.9g (tol %.3g)", egemma_isa_name(tier),
                  (long long)n, FILL_NAMES[f], got, exact, tol_exact);
            CHECK(fabs((double)got - scalar) <= 2 * tol_exact, "%s n=%lld %s: %.9g vs scalar %.9g (tol %.3g)",
                  egemma_isa_name(tier), (long long)n, FILL_NAMES[f], got, scalar, 2 * tol_exact);
            if (f == FILL_UNIT_SCALE || f == FILL_ZERO_SCALE) {
                /* unit scales: every partial sum is an integer below 2^24 for n <= 32 blocks, so the result is
                 * the exact integer dot in any order; zero scales: exactly zero */
                if (f == FILL_ZERO_SCALE || n <= 32)
                    CHECK((double)got == exact, "%s n=%lld %s: %.9g, exact %.9g", egemma_isa_name(tier), (long long)n,
                          FILL_NAMES[f], got, exact);
            }
        }
    }
}

/* The AVX2 and AVX-512 tiers both follow ggml's x86 order (same lane sums, one accumulator, same horizontal
 * sum): on ggml-range data they must agree bit for bit, not just within the tolerance. */
static void test_x86_tiers_bitwise(uint32_t caps, uint8_t *a, uint8_t *b) {
    if (!((caps >> EGEMMA_ISA_AVX2) & 1u) || !((caps >> EGEMMA_ISA_AVX512) & 1u)) return;
    for (int64_t n = 1; n <= 300; n++) {
        fill_row(a, n, FILL_GGML, 0);
        fill_row(b, n, FILL_GGML, 1);
        egemma_set_isa_limit(EGEMMA_ISA_AVX2);
        const float x = egemma_q8_0_dot(a, b, n);
        egemma_set_isa_limit(EGEMMA_ISA_AVX512);
        const float y = egemma_q8_0_dot(a, b, n);
        CHECK(memcmp(&x, &y, sizeof x) == 0, "n=%lld: avx2 %.9g, avx512 %.9g differ", (long long)n, x, y);
    }
}

static void test_api(void) {
    const uint32_t caps = egemma_caps();
    CHECK(caps & (1u << EGEMMA_ISA_SCALAR), "scalar tier missing from caps 0x%x", caps);
    CHECK(egemma_abi_version() == EGEMMA_ABI_VERSION, "abi %d", egemma_abi_version());
    CHECK(egemma_version() != NULL && egemma_version()[0] != '\0', "empty version");
    CHECK(egemma_set_isa_limit(-1) == EGEMMA_ERR_BAD_ARGUMENT, "negative tier accepted");
    CHECK(egemma_set_isa_limit(EGEMMA_ISA_COUNT) == EGEMMA_ERR_BAD_ARGUMENT, "tier past the end accepted");
#if defined(__aarch64__) || defined(_M_ARM64)
    CHECK(egemma_set_isa_limit(EGEMMA_ISA_AVX2) == EGEMMA_ERR_UNSUPPORTED, "x86 tier accepted on ARM");
#else
    CHECK(egemma_set_isa_limit(EGEMMA_ISA_NEON) == EGEMMA_ERR_UNSUPPORTED, "ARM tier accepted on x86");
#endif
    CHECK(strcmp(egemma_isa_name(EGEMMA_ISA_NEON_DOTPROD), "neon_dotprod") == 0, "name");
    CHECK(strcmp(egemma_isa_name(42), "unknown") == 0, "name of unknown tier");
    uint8_t blk[EGEMMA_Q8_0_BLOCK_BYTES] = {0};
    CHECK(egemma_q8_0_dot(blk, blk, 0) == 0.0f && egemma_q8_0_dot(blk, blk, -5) == 0.0f, "empty/negative count");
    /* a limit above the best tier selects the best tier of the chain */
    const int32_t top = egemma_set_isa_limit(EGEMMA_ISA_AMX);
#if defined(__aarch64__) || defined(_M_ARM64)
    (void)top;
#else
    int32_t best = EGEMMA_ISA_SCALAR;
    for (int32_t t = EGEMMA_ISA_AVX2; t <= EGEMMA_ISA_AMX; t++)
        if ((caps >> t) & 1u) best = t;
    CHECK(top == best, "limit amx gave %s", egemma_isa_name(top));
#endif
}

/* egemma_call reaches each function with its arguments in declared order (the kernels' cases run under every Java
 * parity test, which binds nothing else); here the information functions, two row ops and an unknown fn */
static int64_t call0(int32_t fn, int64_t i0) { return egemma_call(fn, 0, 0, 0, 0, 0, 0, i0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0f); }

static void test_call(void) {
    CHECK(call0(EGEMMA_FN_ABI_VERSION, 0) == EGEMMA_ABI_VERSION, "abi through egemma_call");
    CHECK((const char *)(intptr_t)call0(EGEMMA_FN_VERSION, 0) == egemma_version(), "version through egemma_call");
    CHECK((uint32_t)call0(EGEMMA_FN_CAPS, 0) == egemma_caps(), "caps through egemma_call");
    CHECK((uint32_t)call0(EGEMMA_FN_CPU_FEATURES, 0) == egemma_cpu_features(), "features through egemma_call");
    CHECK(call0(EGEMMA_FN_ACTIVE_ISA, 0) == egemma_active_isa(), "active tier through egemma_call");
    CHECK(strcmp((const char *)(intptr_t)call0(EGEMMA_FN_ISA_NAME, EGEMMA_ISA_AVX512), "avx512") == 0, "isa name through egemma_call");
    CHECK(call0(EGEMMA_FN_SET_ISA_LIMIT, -1) == EGEMMA_ERR_BAD_ARGUMENT, "tier limit through egemma_call");
    CHECK(call0(-1, 0) == EGEMMA_ERR_BAD_ARGUMENT && call0(EGEMMA_FN_L2_NORMALIZE + 1, 0) == EGEMMA_ERR_BAD_ARGUMENT, "unknown fn");
    float x[5] = {1, -2, 3, 0.5f, 4}, y[5], w[5] = {1, 1.5f, -1, 2, 0.25f};
    memcpy(y, x, sizeof x);
    CHECK(egemma_rms_norm(x, 1, 5, w, 1e-6f) == 0, "rms_norm");
    CHECK(egemma_call(EGEMMA_FN_RMS_NORM, y, w, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1e-6f) == 0, "rms_norm through egemma_call");
    CHECK(memcmp(x, y, sizeof x) == 0, "rms_norm through egemma_call: other bits");
    CHECK(egemma_l2_normalize(x, 5) == 0, "l2_normalize");
    CHECK(egemma_call(EGEMMA_FN_L2_NORMALIZE, y, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0f) == 0 && memcmp(x, y, sizeof x) == 0,
          "l2_normalize through egemma_call");
}

static int tiers_string(uint32_t caps, char *out, size_t len) {
    out[0] = '\0';
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if ((caps >> t) & 1u) {
            if (out[0]) strncat(out, ",", len - strlen(out) - 1);
            strncat(out, egemma_isa_name(t), len - strlen(out) - 1);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *expect_tiers = NULL, *expect_active = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--expect-tiers") == 0) expect_tiers = argv[i + 1];
        else if (strcmp(argv[i], "--expect-active") == 0) expect_active = argv[i + 1];
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    const uint32_t caps = egemma_caps();
    char tiers[128];
    tiers_string(caps, tiers, sizeof tiers);
    printf("libegemma %s (ABI %d): cpu features 0x%x, tiers %s, active %s\n", egemma_version(), egemma_abi_version(),
           egemma_cpu_features(), tiers, egemma_isa_name(egemma_active_isa()));
    if (expect_active) CHECK(strcmp(egemma_isa_name(egemma_active_isa()), expect_active) == 0,
                             "active tier %s, expected %s", egemma_isa_name(egemma_active_isa()), expect_active);
    if (expect_tiers && expect_tiers[0]) CHECK(strcmp(tiers, expect_tiers) == 0, "tiers %s, expected %s", tiers, expect_tiers);

    test_api();
    test_call();
    uint8_t *a = malloc(1000 * EGEMMA_Q8_0_BLOCK_BYTES + 1), *b = malloc(1000 * EGEMMA_Q8_0_BLOCK_BYTES + 1);
    if (!a || !b) return 3;
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if (!((caps >> t) & 1u)) continue;
        const int before = failures;
        test_tier(t, a, b);
        /* odd addresses: blocks from a file are only 2-byte aligned, some not even that */
        test_tier(t, a + 1, b + 1);
        printf("tier %-12s %s\n", egemma_isa_name(t), failures == before ? "ok" : "FAILED");
    }
    test_x86_tiers_bitwise(caps, a, b);
    free(a);
    free(b);
    printf("%d checks, %d passed, %d failed\n", checks, checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
