/* SPDX-License-Identifier: Apache-2.0 */
/* CTest of the AMX tier's tile kernel (src/q8_0_gemm_amx.c) on a CPU without AMX: the kernel is compiled here with
 * AVX-512 flags, its tile instructions taken by the software model amx_model.h (written from the Intel SDM). What
 * this proves, and what it cannot: the kernel's tile configuration, shapes, indexing, column masks, the rows it
 * loads and the block-order result; not the silicon's TDPBSSD (the model's), the OS grant of the tile state
 * (egemma_request_amx) or speed. Those need an AMX machine.
 *
 * What must hold:
 *  - with m >= 16: C bit-identical to the block order the kernel documents,
 *    acc = fmaf((float)isum_b, d_w * d_a, acc) per block b (isum_b the block's exact int32 dot; d_w * d_a is exact
 *    in float, two 11-bit significands), for column ranges cut inside and at 16-column groups and for row
 *    counts that are not multiples of 16 or 32, with every weight fill of test_gemm.c's kind;
 *  - nothing outside rows [0, m) x columns [n0, n1) of C written, the activations' pad rows never leak in;
 *  - every tile load inside the m_pad rows of qa or the packed weights; no configuration or shape fault;
 *    the tiles released (init state) at the end;
 *  - fewer than 16 rows: the AVX-512 VNNI block kernel instead, no tile used. (The tier's x86 order is the AVX-512
 *    kernel itself, chosen by egemma.c's tables, not by this file.)
 * Exit 77 (CTest: skipped, with the reason printed) on a CPU without AVX-512, which the kernel's scaling needs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#include "amx_model.h"
#define EGEMMA_AMX_MODEL 1
#include "../src/q8_0_gemm_amx.c"

#include "check.h"
#include "test_rng.h"
#include "q8_0_blocks.h"

/* the AVX-512 block kernel's entry: here it only counts, the AVX-512 tier's own tests check its products */
static int fallback_calls;
void egemma_q8_0_gemm_block_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0,
                             int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)qa; (void)da; (void)m; (void)k; (void)packed; (void)n0; (void)n1; (void)c; (void)ldc; (void)scratch;
    fallback_calls++;
}


static void check_tiles(int64_t m, int64_t n, int64_t k, int64_t n0, int64_t n1, int64_t ldc, enum wfill f) {
    const int64_t nb = k / 32, mpad = (m + EGEMMA_Q8_0_ROW_PAD - 1) / EGEMMA_Q8_0_ROW_PAD * EGEMMA_Q8_0_ROW_PAD;
    uint8_t *w = malloc((size_t)(n * nb * EGEMMA_Q8_0_BLOCK_BYTES));
    int8_t *qa = malloc((size_t)(mpad * k));
    float *da = malloc((size_t)(mpad * nb) * sizeof(float));
    const int64_t psize = egemma_q8_0_pack_size(n, k);
    uint8_t *packed = aligned_alloc(64, (size_t)((psize + 63) / 64 * 64));
    float *c = malloc((size_t)(m * ldc) * sizeof(float));
    fill_weights(w, n, k, f);
    /* the quantizer's range is [-127, 127]; the pad rows hold garbage that must not reach C */
    for (int64_t i = 0; i < mpad * k; i++) qa[i] = i < m * k && f == W_MAX ? 127 : i < m * k && f == W_MIN ? -127 : (int8_t)(rnd() % 255 - 127);
    for (int64_t i = 0; i < mpad * nb; i++) da[i] = _cvtsh_ss((uint16_t)(((5 + rnd() % 12) << 10) | (rnd() & 0x3ff)));
    CHECK(egemma_q8_0_pack(w, n, k, 0, n, packed) == 0, "pack");
    for (int64_t i = 0; i < m * ldc; i++) c[i] = -12345.0f;

    amx_model_reset();
    amx_model_readable(qa, (size_t)(mpad * k));
    amx_model_readable(packed, (size_t)psize);
    fallback_calls = 0;
    egemma_q8_0_gemm_amx(qa, da, m, k, packed, n0, n1, c, ldc, NULL);
    CHECK(fallback_calls == 0, "m=%lld: the tile kernel fell back to AVX-512", (long long)m);
    CHECK(amx_model_faults() == 0, "m=%lld n=%lld k=%lld [%lld,%lld): %d faults, first: %s", (long long)m, (long long)n, (long long)k,
          (long long)n0, (long long)n1, amx_model_faults(), amx_model_first_fault());
    CHECK(!amx_model.configured, "tiles not released");
    /* one TDPBSSD per (16-row tile, 16-column group, block): the kernel does not skip or repeat a product */
    const int64_t groups = (n1 + 15) / 16 - n0 / 16;
    CHECK(amx_model.dpbssd_count == (m + 15) / 16 * groups * nb, "m=%lld n0=%lld n1=%lld k=%lld: %ld TDPBSSD", (long long)m, (long long)n0,
          (long long)n1, (long long)k, amx_model.dpbssd_count);

    int bad = 0;
    for (int64_t i = 0; i < m && bad < 3; i++) {
        for (int64_t j = 0; j < ldc && bad < 3; j++) {
            const float got = c[i * ldc + j];
            float want = -12345.0f;
            if (j >= n0 && j < n1) {
                want = 0.0f;
                for (int64_t b = 0; b < nb; b++) {
                    const uint8_t *blk = w + (j * nb + b) * EGEMMA_Q8_0_BLOCK_BYTES;
                    const int32_t isum = block_dot(qa + i * k + b * 32, blk, 0, 32);
                    want = fmaf((float)isum, _cvtsh_ss(block_scale_bits(blk)) * da[i * nb + b], want);
                }
            }
            if (memcmp(&got, &want, sizeof got) != 0) {
                bad++;
                CHECK(0, "m=%lld n=%lld k=%lld [%lld,%lld) %s at (%lld, %lld): got %.9g, want %.9g%s", (long long)m, (long long)n, (long long)k,
                      (long long)n0, (long long)n1, WFILL[f], (long long)i, (long long)j, got, want, j < n0 || j >= n1 ? " (outside the tile)" : "");
            }
        }
    }
    checks++;
    free(w); free(qa); free(da); free(packed); free(c);
}

/* below 16 rows the AVX-512 block kernel runs and no tile is touched */
static void check_fallback(int64_t m) {
    int8_t qa[32 * 32] = {0};
    float da[32] = {0}, c[32 * 16];
    uint8_t packed[1024] __attribute__((aligned(64))) = {0};
    amx_model_reset();
    amx_model_readable(qa, sizeof qa);
    amx_model_readable(packed, sizeof packed);
    fallback_calls = 0;
    egemma_q8_0_gemm_amx(qa, da, m, 32, packed, 0, 16, c, 16, NULL);
    CHECK(fallback_calls == (m < 16) && (m < 16 ? amx_model.dpbssd_count == 0 : amx_model.dpbssd_count > 0) && amx_model_faults() == 0,
          "m=%lld: %d fallbacks, %ld TDPBSSD", (long long)m, fallback_calls, amx_model.dpbssd_count);
}

/* the model itself must catch what the hardware faults on, or its silence above would prove nothing */
static void check_model_faults(void) {
    uint8_t cfg[64] = {0}, buf[1024] = {0};
    int32_t out[256];
    cfg[0] = 1;
    cfg[16] = 64; cfg[48] = 16;  /* tile 0: 16 x 64 bytes */
    cfg[18] = 32; cfg[49] = 16;  /* tile 1: 16 x 32 bytes */
    cfg[20] = 64; cfg[50] = 8;   /* tile 2: 8 x 64 bytes */
    amx_model_reset();
    _tile_loadconfig(cfg);
    amx_model_readable(buf, sizeof buf);
    _tile_loadd(1, buf, 32);
    _tile_loadd(2, buf, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 1, 2);
    CHECK(amx_model_faults() == 0 && amx_model.dpbssd_count == 1, "a valid product faulted: %s", amx_model_first_fault());
    _tile_dpbssd(0, 2, 1);
    CHECK(amx_model_faults() == 1, "mismatched shapes not caught");
    _tile_loadd(1, buf + 600, 32); /* row 15 ends at 600 + 15*32 + 32 = 1112 > 1024 */
    CHECK(amx_model_faults() == 2, "a load past the buffer not caught");
    _tile_stored(3, out, 64);
    CHECK(amx_model_faults() == 3, "an unconfigured tile not caught");
    _tile_dpbssd(0, 0, 2);
    CHECK(amx_model_faults() == 4, "a repeated operand not caught");
    cfg[2] = 1;
    _tile_loadconfig(cfg);
    CHECK(amx_model_faults() == 5 && !amx_model.configured, "a reserved byte not caught");
    /* the arithmetic: signed bytes, quads along K */
    cfg[2] = 0;
    _tile_loadconfig(cfg);
    for (int i = 0; i < 512; i++) buf[i] = (uint8_t)(i % 7 == 0 ? 0x80 : i % 3); /* tile 1 rows: a */
    for (int i = 0; i < 512; i++) buf[512 + i] = (uint8_t)(i % 5 == 0 ? 0x81 : 127 - i % 11);
    _tile_loadd(1, buf, 32);
    _tile_loadd(2, buf + 512, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 1, 2);
    _tile_stored(0, out, 64);
    int ok = 1;
    for (int r = 0; r < 16; r++)
        for (int col = 0; col < 16; col++) {
            int32_t s = 0;
            for (int kk = 0; kk < 32; kk++) s += (int8_t)buf[r * 32 + kk] * (int8_t)buf[512 + (kk / 4) * 64 + col * 4 + kk % 4];
            ok &= out[r * 16 + col] == s;
        }
    CHECK(ok, "TDPBSSD arithmetic");
    _tile_release();
    amx_model_reset();
}

int main(void) {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) {
        printf("amx model: skipped, this CPU has no AVX-512 (the tile kernel scales its block dots in AVX-512)\n");
        return 77;
    }
    check_model_faults();
    check_fallback(1);
    check_fallback(15);
    check_fallback(16);
    static const int64_t ms[] = {16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100};
    static const int64_t ns[] = {1, 15, 16, 17, 31, 32, 33, 48, 63, 65, 100};
    static const int64_t ks[] = {32, 64, 96, 256};
    int case_no = 0;
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
        for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++, case_no++)
            check_tiles(ms[a], ns[b], ks[case_no % 4], 0, ns[b], ns[b], (enum wfill)(case_no % W_COUNT));
    /* column ranges: inside one group, across groups, starting and ending off a group boundary, a wider C */
    for (int f = 0; f < W_COUNT; f++) {
        check_tiles(33, 100, 64, 5, 37, 101, (enum wfill)f);
        check_tiles(48, 100, 96, 48, 100, 100, (enum wfill)f);
        check_tiles(17, 40, 32, 17, 18, 40, (enum wfill)f);
        check_tiles(65, 96, 256, 16, 80, 97, (enum wfill)f);
    }
    check_tiles(64, 48, 768, 0, 48, 48, W_RANDOM); /* the model's K */
    printf("amx model: %d checks, %d passed, %d failed\n", checks, checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
