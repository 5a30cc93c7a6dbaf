/* SPDX-License-Identifier: Apache-2.0 */
/* C unit tests of the Q8_0 GEMM, the weight packing and the activation quantizer, through the public ABI, for
 * every usable tier (selected with egemma_set_isa_limit).
 *
 * What must hold, and why:
 *  - quantizer: every tier's output equals the scalar tier's byte for byte (same amax, same d, one rounding of
 *    x * (127/amax), round half to even), and the scalar one matches hand-checked values (d = fp16(amax/127));
 *  - EGEMMA_Q8_0_ORDER_X86 on the scalar, AVX2, AVX-512 and AMX tiers: bit-identical to llama.cpp's x86 order
 *    (llamafile tinyBLAS_Q0_AVX, the Java reference GgmlQ8Matmul.scalar), re-implemented here on the ggml blocks:
 *    eight float lanes per output, lane l of a block the exact int sum of products 4l..4l+3,
 *    lane_l = fmaf(d_w*d_a, lane_int, lane_l) per block, then ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7));
 *  - EGEMMA_Q8_0_ORDER_BLOCK on every tier, and the NEON tiers in either order: bit-identical to
 *    acc = fmaf((float)isum, d_w * d_a, acc) in block order (the block's integer dot is exact, d_w * d_a is exact
 *    in float: two 11-bit significands);
 *  - every tier within the derived bound of the exact value: each block adds one term t_b = isum_b*d_w*d_a;
 *    the block order rounds once per block, the lane order once per block per lane plus three levels of the
 *    final sum, so by the standard summation bound (Higham 2002, eq. 3.5) |got - exact| <= gamma_{2*nb+3} * S
 *    with S = sum over blocks and lanes of |lane_int*d_w*d_a| (>= sum_b |t_b|), u = 2^-24, gamma_j = j*u/(1-j*u). Zero scales must give exactly 0;
 *  - a tile touches only columns [n0, n1) of rows [0, m) of C. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egemma.h"
#include "check.h"
#include "test_rng.h"
#include "q8_0_blocks.h"

static float frnd(void) { return (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }

static float fp16_to_float(uint16_t h) {
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0 ? ldexp(mant, -24) : exp == 31 ? INFINITY : ldexp(mant | 0x400, exp - 25);
    return (float)((h & 0x8000) ? -v : v);
}

enum afill { A_RANDOM, A_POS, A_NEG, A_ZERO, A_TINY, A_WIDE, A_COUNT };
static const char *AFILL[] = {"random", "all-equal-positive", "all-equal-negative", "zero", "tiny(subnormal-d)", "wide-range"};

static void fill_acts(float *x, int64_t m, int64_t k, enum afill f) {
    for (int64_t i = 0; i < m * k; i++) {
        switch (f) {
        case A_POS: x[i] = 0.75f; break;
        case A_NEG: x[i] = -3.5f; break;
        case A_ZERO: x[i] = 0.0f; break;
        case A_TINY: x[i] = frnd() * 2e-5f; break; /* d = amax/127 below 2^-14: an fp16 subnormal */
        case A_WIDE: x[i] = frnd() * ldexpf(1.0f, (int)(rnd() % 40) - 20); break;
        default: x[i] = frnd() * 4.0f; break;
        }
    }
}

static double gamma_j(double j) {
    const double u = ldexp(1.0, -24);
    return j * u / (1 - j * u);
}

static int32_t usable(uint32_t caps, int32_t t) { return (caps >> t) & 1u; }

/* what tier t computes when asked for `order`: the x86 lane order where it has that kernel, else block order */
static int lane_order(int32_t t, int32_t order) {
    return order == EGEMMA_Q8_0_ORDER_X86 && (t == EGEMMA_ISA_SCALAR || t == EGEMMA_ISA_AVX2 || t == EGEMMA_ISA_AVX512 || t == EGEMMA_ISA_AMX);
}

static const char *ORDER_NAME[] = {"x86", "block"};

/* one product for every tier: the ggml rows w (n x k), activations x (m x k) */
static void check_product(uint32_t caps, int64_t m, int64_t n, int64_t k, enum wfill wf, enum afill af, int64_t n0, int64_t n1, int64_t ldc) {
    const int64_t nb = k / 32, mpad = (m + EGEMMA_Q8_0_ROW_PAD - 1) / EGEMMA_Q8_0_ROW_PAD * EGEMMA_Q8_0_ROW_PAD;
    uint8_t *w = malloc((size_t)(n * nb * EGEMMA_Q8_0_BLOCK_BYTES));
    float *x = malloc((size_t)(m * k) * sizeof(float));
    int8_t *qa = calloc((size_t)(mpad * k), 1);
    float *da = calloc((size_t)(mpad * nb), sizeof(float));
    const int64_t psize = egemma_q8_0_pack_size(n, k);
    void *packed = aligned_alloc(64, (size_t)((psize + 63) / 64 * 64));
    float *c = malloc((size_t)(m * ldc) * sizeof(float));
    double *exact = malloc((size_t)(m * n) * sizeof(double)), *mag = malloc((size_t)(m * n) * sizeof(double));
    float *jref = malloc((size_t)(m * n) * sizeof(float)), *fref = malloc((size_t)(m * n) * sizeof(float));
    fill_weights(w, n, k, wf);
    fill_acts(x, m, k, af);
    CHECK(psize == (n + 15) / 16 * (nb * 512 + (nb * 32 + 63) / 64 * 64), "pack_size(%lld, %lld) = %lld", (long long)n, (long long)k, (long long)psize);
    memset(packed, 0xA5, (size_t)psize); /* garbage: pack must write every byte that is read */
    /* pack in two calls at a group boundary, as a caller splitting the work would */
    const int64_t split = n > 16 ? (n / 2) / 16 * 16 : 0;
    CHECK(egemma_q8_0_pack(w, n, k, 0, split, packed) == 0, "pack first part");
    CHECK(egemma_q8_0_pack(w, n, k, split, n, packed) == 0, "pack second part");

    egemma_set_isa_limit(EGEMMA_ISA_SCALAR);
    CHECK(egemma_q8_0_quantize(x, k, 0, m, qa, da) == 0, "quantize");
    for (int64_t i = 0; i < m * k; i++) CHECK(qa[i] >= -127, "q = -128 at %lld", (long long)i);

    /* references from the ggml blocks */
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            float lane[8] = {0}, accf = 0.0f;
            long double ex = 0;
            double s = 0;
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *blk = w + (j * nb + b) * EGEMMA_Q8_0_BLOCK_BYTES;
                const int8_t *ab = qa + i * k + b * 32;
                const int32_t isum = block_dot(ab, blk, 0, 32);
                const float dw = fp16_to_float(block_scale_bits(blk)), dd = dw * da[i * nb + b];
                for (int l = 0; l < 8; l++) {
                    const int32_t ls = block_dot(ab, blk, 4 * l, 4 * l + 4);
                    lane[l] = fmaf(dd, (float)ls, lane[l]);
                    s += fabs((double)ls * dd); /* lanes can cancel inside a block: the bound sums their sizes */
                }
                accf = fmaf((float)isum, dd, accf);
                ex += (long double)isum * dd;
            }
            jref[i * n + j] = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
            fref[i * n + j] = accf;
            exact[i * n + j] = (double)ex;
            mag[i * n + j] = s;
        }
    }
    const double tol_rel = gamma_j(2.0 * nb + 3);
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if (!usable(caps, t)) continue;
        CHECK(egemma_set_isa_limit(t) == t, "select %s", egemma_isa_name(t));
        /* the tier's quantizer: byte-identical to the scalar one */
        int8_t *qa2 = calloc((size_t)(mpad * k), 1);
        float *da2 = calloc((size_t)(mpad * nb), sizeof(float));
        egemma_q8_0_quantize(x, k, 0, m, qa2, da2);
        CHECK(memcmp(qa, qa2, (size_t)(mpad * k)) == 0 && memcmp(da, da2, (size_t)(mpad * nb) * sizeof(float)) == 0,
              "%s quantizer differs from scalar (m=%lld k=%lld %s)", egemma_isa_name(t), (long long)m, (long long)k, AFILL[af]);
        free(qa2);
        free(da2);

        for (int32_t order = EGEMMA_Q8_0_ORDER_X86; order <= EGEMMA_Q8_0_ORDER_BLOCK; order++) {
        for (int64_t i = 0; i < m * ldc; i++) c[i] = -12345.0f;
        /* the caller's scratch, deliberately misaligned and dirty: the kernel aligns it and keeps nothing in it */
        const int64_t ssize = egemma_q8_0_gemm_scratch_size(m, k);
        CHECK(ssize >= 64, "scratch_size(%lld, %lld) = %lld", (long long)m, (long long)k, (long long)ssize);
        uint8_t *scratch = malloc((size_t)ssize + 3);
        memset(scratch, 0xA5, (size_t)ssize + 3);
        CHECK(egemma_q8_0_gemm(qa, da, m, k, packed, n, n0, n1, c, ldc, scratch + 3, ssize, order) == 0, "gemm call");
        free(scratch);
        int bad = 0;
        for (int64_t i = 0; i < m && bad < 3; i++) {
            for (int64_t j = 0; j < ldc && bad < 3; j++) {
                const float got = c[i * ldc + j];
                if (j < n0 || j >= n1) {
                    if (got != -12345.0f) {
                        bad++;
                        CHECK(0, "%s %s m=%lld n=%lld k=%lld: wrote outside the tile at (%lld, %lld)", egemma_isa_name(t), ORDER_NAME[order],
                              (long long)m, (long long)n, (long long)k, (long long)i, (long long)j);
                    }
                    continue;
                }
                const float want = lane_order(t, order) ? jref[i * n + j] : fref[i * n + j];
                const double e = exact[i * n + j];
                int ok = memcmp(&got, &want, sizeof got) == 0 && fabs(got - e) <= tol_rel * mag[i * n + j];
                if (wf == W_ZERO_SCALE || af == A_ZERO) ok = ok && got == 0.0f;
                if (!ok) {
                    bad++;
                    CHECK(0, "%s %s m=%lld n=%lld k=%lld w=%s a=%s (%lld,%lld): got %.9g, want %.9g (bitwise), exact %.9g, tol %.3g",
                          egemma_isa_name(t), ORDER_NAME[order], (long long)m, (long long)n, (long long)k, WFILL[wf], AFILL[af], (long long)i, (long long)j,
                          got, want, e, tol_rel * mag[i * n + j]);
                }
            }
        }
        checks++;
        }
    }
    free(w); free(x); free(qa); free(da); free(packed); free(c); free(exact); free(mag); free(jref); free(fref);
}

static void test_quantizer_values(void) {
    egemma_set_isa_limit(EGEMMA_ISA_SCALAR);
    float x[64];
    int8_t q[64];
    float d[2];
    for (int j = 0; j < 32; j++) x[j] = (float)(j - 16) * 0.5f; /* amax 8 at j = 0 */
    x[31] = 127.0f * 0.5f / 16.0f * 1.0f;                       /* 3.96875 */
    for (int j = 0; j < 32; j++) x[32 + j] = 0.0f;
    x[40] = -127.0f; x[41] = 63.5f; x[42] = -0.5f; x[43] = 1.5f; x[44] = 2.5f;
    CHECK(egemma_q8_0_quantize(x, 64, 0, 1, q, d) == 0, "quantize");
    /* second block: amax 127, d = 1 exactly, q = round-half-even(x) */
    CHECK(d[1] == 1.0f, "d %.9g", d[1]);
    CHECK(q[40] == -127 && q[41] == 64 && q[42] == 0 && q[43] == 2 && q[44] == 2, "half-to-even: %d %d %d %d %d", q[40], q[41], q[42], q[43], q[44]);
    CHECK(q[0] == -127, "q[0] %d", q[0]);
    /* d = fp16(8/127): 0.0629921... -> nearest fp16 */
    CHECK(fabsf(d[0] - 8.0f / 127.0f) <= ldexpf(1.0f, -15), "d %.9g", d[0]);
    /* tiny block: fp16 subnormal d, never 0 unless amax is */
    for (int j = 0; j < 32; j++) x[j] = j == 3 ? 1e-5f : 0.0f;
    egemma_q8_0_quantize(x, 32, 0, 1, q, d);
    CHECK(d[0] > 0.0f && d[0] < ldexpf(1.0f, -14) && q[3] == 127, "subnormal d %.9g q %d", d[0], q[3]);
}

static void test_bad_arguments(void) {
    uint8_t buf[1024] __attribute__((aligned(64)));
    float f[64];
    int8_t q[64];
    CHECK(egemma_q8_0_pack_size(0, 32) == EGEMMA_ERR_BAD_ARGUMENT, "n = 0");
    CHECK(egemma_q8_0_pack_size(1, 33) == EGEMMA_ERR_BAD_ARGUMENT, "k not a multiple of 32");
    CHECK(egemma_q8_0_pack_size(1, -32) == EGEMMA_ERR_BAD_ARGUMENT, "negative k");
    CHECK(egemma_q8_0_pack(buf, 20, 32, 3, 20, buf) == EGEMMA_ERR_BAD_ARGUMENT, "j0 not on a group");
    CHECK(egemma_q8_0_pack(buf, 20, 32, 0, 17, buf) == EGEMMA_ERR_BAD_ARGUMENT, "j1 inside a group, not n");
    CHECK(egemma_q8_0_pack(buf, 1, 32, 0, 1, buf + 2) == EGEMMA_ERR_BAD_ARGUMENT, "misaligned destination");
    CHECK(egemma_q8_0_quantize(f, 32, 1, 0, q, f) == EGEMMA_ERR_BAD_ARGUMENT, "i1 < i0");
    uint8_t scratch[1024];
    const int64_t ss = egemma_q8_0_gemm_scratch_size(1, 32);
    CHECK(ss == 32 + 512 + 64, "scratch_size(1, 32) = %lld", (long long)ss);
    CHECK(egemma_q8_0_gemm_scratch_size(1000, 32) == 64 * 32 + 512 + 64, "scratch_size caps the biased rows at one chunk");
    CHECK(egemma_q8_0_gemm_scratch_size(-1, 32) == EGEMMA_ERR_BAD_ARGUMENT, "scratch_size: m < 0");
    CHECK(egemma_q8_0_gemm_scratch_size(1, 31) == EGEMMA_ERR_BAD_ARGUMENT, "scratch_size: k not a multiple of 32");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 1, 0, 2, f, 2, scratch, ss, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "n1 > n");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 4, 0, 4, f, 3, scratch, ss, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "ldc < n1");
    CHECK(egemma_q8_0_gemm(q, f, -1, 32, buf, 4, 0, 4, f, 4, scratch, ss, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "m < 0");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf + 16, 4, 0, 4, f, 4, scratch, ss, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "misaligned packed");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 4, 0, 4, f, 4, NULL, ss, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "no scratch");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 4, 0, 4, f, 4, scratch, ss - 1, EGEMMA_Q8_0_ORDER_X86) == EGEMMA_ERR_BAD_ARGUMENT, "scratch too small");
    CHECK(egemma_q8_0_gemm(q, f, 0, 32, buf, 4, 0, 4, f, 4, scratch, ss, EGEMMA_Q8_0_ORDER_X86) == 0, "m = 0 is a no-op");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 4, 0, 4, f, 4, scratch, ss, 2) == EGEMMA_ERR_BAD_ARGUMENT, "unknown order 2");
    CHECK(egemma_q8_0_gemm(q, f, 1, 32, buf, 4, 0, 4, f, 4, scratch, ss, -1) == EGEMMA_ERR_BAD_ARGUMENT, "unknown order -1");
}

int main(int argc, char **argv) {
    rng_state = 0x2545F4914F6CDD1Dull;
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0; /* under an emulator */
    const uint32_t caps = egemma_caps();
    test_quantizer_values();
    test_bad_arguments();
    static const int64_t sizes[] = {1, 2, 3, 7, 31, 32, 33, 63, 65, 255, 257};
    const int ns = sizeof sizes / sizeof sizes[0];
    for (int a = 0; a < ns; a++) {
        for (int b = 0; b < ns; b++) {
            const int64_t m = sizes[a], n = sizes[b];
            if (quick && m * n > 4096 && (a + b) % 3) continue;
            const int64_t k = 32 * (1 + (a + 2 * b) % 4);
            check_product(caps, m, n, k, (enum wfill)((a + b) % W_COUNT), (enum afill)((a * 3 + b) % A_COUNT), 0, n, n);
        }
    }
    /* every fill, K across the model's sizes, tiles inside the matrix, a wider C */
    static const int64_t ks[] = {32, 64, 96, 768, 1152};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        for (int wf = 0; wf < W_COUNT; wf++)
            for (int af = 0; af < A_COUNT; af++)
                check_product(caps, 33, 40, ks[ki], (enum wfill)wf, (enum afill)af, 0, 40, 40);
        check_product(caps, 65, 100, ks[ki], W_RANDOM, A_RANDOM, 5, 37, 101);
        check_product(caps, 17, 100, ks[ki], W_MIN, A_WIDE, 48, 100, 100);
        check_product(caps, 7, 33, ks[ki], W_RANDOM, A_RANDOM, 32, 33, 40);
    }
    if (!quick) check_product(caps, 257, 257, 3072, W_RANDOM, A_RANDOM, 0, 257, 257);
    printf("gemm: %d checks, %d passed, %d failed\n", checks, checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
