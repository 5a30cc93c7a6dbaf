/* SPDX-License-Identifier: Apache-2.0 */
// Reference vectors for egemma's Java block kernels, computed by ggml itself (llama.cpp v0.5.0's prebuilt
// libggml-base.so + one libggml-cpu-<variant>.so). Not part of the build; see README.md for how to rebuild and the
// file layouts. Usage: gen <bins dir> <cpu variant, e.g. zen4> <output dir>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml.h"
#include "ggml-cpu.h"

typedef const struct ggml_type_traits *(*traits_fn)(enum ggml_type);
typedef const struct ggml_type_traits_cpu *(*traits_cpu_fn)(enum ggml_type);
static traits_fn get_traits;
static traits_cpu_fn get_traits_cpu;

// splitmix64: deterministic across machines
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double uniform(void) { return (next64() >> 11) * 0x1.0p-53; }
static float gauss(void) { double s = 0; for (int i = 0; i < 4; i++) s += uniform() - 0.5; return (float) (s * 1.7320508); }

static void *xmalloc(size_t n) { void *p = malloc(n ? n : 1); if (!p) { perror("malloc"); exit(1); } return p; }
static void put_i32(FILE *f, int32_t v) { fwrite(&v, 4, 1, f); }
static FILE *open_out(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    return f;
}

// ---------------------------------------------------------------- activation rows
// A row of k floats of the given kind; returns k.
static void fill_row(float *x, int k, int kind) {
    switch (kind) {
    case 0: { // gaussian, per-row scale 2^[-8, 8]
        float s = ldexpf(1.0f, (int) (next64() % 17) - 8);
        for (int i = 0; i < k; i++) x[i] = gauss() * s;
        break;
    }
    case 1: { // gaussian with a different scale per 32 values (blocks of wildly different magnitude)
        for (int b = 0; b < k / 32; b++) {
            float s = ldexpf(1.0f, (int) (next64() % 41) - 20);
            for (int i = 0; i < 32; i++) x[32 * b + i] = gauss() * s;
        }
        break;
    }
    case 2: { // exact .5 ties after scaling: amax 127 (scale 1), 254 (1/2), 63.5 (2), per 32 and per 256
        for (int b = 0; b < k / 32; b++) {
            int mode = (int) (next64() % 3);
            float sign = (b / 8) % 2 ? -1.0f : 1.0f; // whole 256-blocks with a negative or positive max
            for (int i = 0; i < 32; i++) {
                int n = (int) (next64() % 254) - 127; // [-127, 126]
                float v = mode == 0 ? n + 0.5f : mode == 1 ? 2.0f * n + 1.0f : n * 0.5f + 0.25f;
                x[32 * b + i] = v;
            }
            // pin the block's max: 127 / 254 / 63.5 (times sign) at a random position
            x[32 * b + (next64() % 32)] = sign * (mode == 0 ? 127.0f : mode == 1 ? 254.0f : 63.5f);
        }
        break;
    }
    case 3: { // all-zero blocks, single nonzero, +/- zero, neg vs pos max of equal magnitude
        for (int b = 0; b < k / 32; b++) {
            float *y = x + 32 * b;
            int mode = (int) (b % 6);
            for (int i = 0; i < 32; i++) y[i] = 0.0f;
            if (mode == 1) y[next64() % 32] = gauss() * 3.0f;                  // one nonzero
            if (mode == 2) { for (int i = 0; i < 32; i++) y[i] = i % 2 ? -0.0f : 0.0f; }
            if (mode == 3) { for (int i = 0; i < 32; i++) y[i] = gauss(); y[3] = -4.0f; y[20] = 4.0f; } // -max first
            if (mode == 4) { for (int i = 0; i < 32; i++) y[i] = gauss(); y[3] = 4.0f; y[20] = -4.0f; } // +max first
            if (mode == 5) { for (int i = 0; i < 32; i++) y[i] = gauss(); y[31] = -10.0f; }          // negative max last
        }
        break;
    }
    case 4: { // huge magnitudes: up to FLT_MAX-ish
        for (int b = 0; b < k / 32; b++) {
            float s = ldexpf(1.0f, 100 + (int) (next64() % 27)); // 2^100 .. 2^126
            for (int i = 0; i < 32; i++) x[32 * b + i] = gauss() * s;
            if (b % 4 == 3) x[32 * b + 5] = 3.4e38f;
        }
        break;
    }
    case 5: { // tiny normal magnitudes (amax between 1e-37 and 1e-30)
        for (int b = 0; b < k / 32; b++) {
            float s = ldexpf(1.0f, -100 - (int) (next64() % 23)); // 2^-100 .. 2^-122
            for (int i = 0; i < 32; i++) x[32 * b + i] = gauss() * s;
        }
        break;
    }
    case 6: { // subnormals (every value, or mixed with zeros), and blocks with subnormals next to normal values
        for (int b = 0; b < k / 32; b++) {
            for (int i = 0; i < 32; i++) {
                uint32_t bits = (uint32_t) (next64() & 0x007fffff) | (uint32_t) (next64() & 1) << 31;
                float v; memcpy(&v, &bits, 4);
                x[32 * b + i] = (b % 3 == 1 && i % 2) ? 0.0f : v;
            }
            if (b % 3 == 2) x[32 * b + 7] = 1.0f;
        }
        break;
    }
    case 7: { // gaussian with a different, moderate scale per 32 values (2^-8..2^8: fp16 scales stay finite)
        for (int b = 0; b < k / 32; b++) {
            float s = ldexpf(1.0f, (int) (next64() % 17) - 8);
            for (int i = 0; i < 32; i++) x[32 * b + i] = gauss() * s;
        }
        break;
    }
    }
}

static const int ROW_KINDS = 7; // kinds 0..6 for the activation files; 7 for the dots

// ---------------------------------------------------------------- weight blocks
typedef struct { enum ggml_type t; const char *name; int half_at[2]; int nhalf; } wtype;
static const wtype WTYPES[] = {
    {GGML_TYPE_Q4_0, "q4_0", {0, 0}, 1},     {GGML_TYPE_Q4_1, "q4_1", {0, 2}, 2},
    {GGML_TYPE_Q5_0, "q5_0", {0, 0}, 1},     {GGML_TYPE_Q5_1, "q5_1", {0, 2}, 2},
    {GGML_TYPE_IQ4_NL, "iq4_nl", {0, 0}, 1}, {GGML_TYPE_Q2_K, "q2_k", {80, 82}, 2},
    {GGML_TYPE_Q3_K, "q3_k", {108, 0}, 1},   {GGML_TYPE_Q4_K, "q4_k", {0, 2}, 2},
    {GGML_TYPE_Q5_K, "q5_k", {0, 2}, 2},     {GGML_TYPE_Q6_K, "q6_k", {208, 0}, 1},
    {GGML_TYPE_IQ4_XS, "iq4_xs", {0, 0}, 1}, {GGML_TYPE_Q8_0, "q8_0", {0, 0}, 1},
};
static const int NWTYPES = sizeof WTYPES / sizeof WTYPES[0];

static void set_half(uint8_t *p, uint16_t h) { p[0] = (uint8_t) h; p[1] = (uint8_t) (h >> 8); }

// An fp16 field for the dequantization vectors: any finite value, with zero, -0, subnormals, negatives, max.
static uint16_t wild_half(void) {
    switch (next64() % 8) {
    case 0: return 0x0000;
    case 1: return 0x8000;
    case 2: return (uint16_t) (1 + next64() % 0x3ff);            // positive subnormal
    case 3: return (uint16_t) (0x8000 | (1 + next64() % 0x3ff)); // negative subnormal
    case 4: return (next64() & 1) ? 0x7bff : 0xfbff;             // +-65504
    default: {
        uint16_t h;
        do h = (uint16_t) next64(); while ((h & 0x7c00) == 0x7c00);
        return h;
    }
    }
}

// A "sane" fp16 scale for the dot vectors: +-[2^-12, 2^-3), normal.
static uint16_t sane_half(void) {
    int e = 3 + (int) (next64() % 10); // biased exponent 3..12 -> 2^-12 .. 2^-3
    return (uint16_t) ((next64() & 1) << 15 | e << 10 | (next64() & 0x3ff));
}

static void random_blocks(const wtype *w, uint8_t *dst, int nblocks, int wild) {
    const struct ggml_type_traits *tr = get_traits(w->t);
    for (size_t i = 0; i < (size_t) nblocks * tr->type_size; i++) dst[i] = (uint8_t) next64();
    for (int b = 0; b < nblocks; b++)
        for (int h = 0; h < w->nhalf; h++)
            set_half(dst + (size_t) b * tr->type_size + w->half_at[h], wild ? wild_half() : sane_half());
}

// ---------------------------------------------------------------- outputs
static void gen_activations(const char *dir) {
    static const enum ggml_type ATYPES[] = {GGML_TYPE_Q8_0, GGML_TYPE_Q8_1, GGML_TYPE_Q8_K};
    static const char *ANAMES[] = {"act-q8_0.bin", "act-q8_1.bin", "act-q8_k.bin"};
    static const int KS[] = {256, 512, 768, 1024, 1536, 2048, 3072};
    for (int a = 0; a < 3; a++) {
        const struct ggml_type_traits *tr = get_traits(ATYPES[a]);
        const struct ggml_type_traits_cpu *cpu = get_traits_cpu(ATYPES[a]);
        if (!cpu->from_float) { fprintf(stderr, "no from_float for %s\n", tr->type_name); exit(1); }
        FILE *f = open_out(dir, ANAMES[a]);
        rng_state = 12345; // the same float rows in all three files
        int nrows = ROW_KINDS * 3;
        put_i32(f, ATYPES[a]);
        put_i32(f, nrows);
        for (int r = 0; r < nrows; r++) {
            int kind = r % ROW_KINDS, k = KS[(r * 5 + r / ROW_KINDS) % 7];
            float *x = xmalloc(sizeof(float) * k);
            fill_row(x, k, kind);
            size_t bytes = (size_t) k / tr->blck_size * tr->type_size;
            uint8_t *q = xmalloc(bytes);
            memset(q, 0x5a, bytes); // Q8_K leaves bsums unwritten for all-zero blocks: make that visible
            cpu->from_float(x, q, k);
            put_i32(f, k);
            fwrite(x, sizeof(float), k, f);
            fwrite(q, 1, bytes, f);
            free(x);
            free(q);
        }
        fclose(f);
    }
}

static void gen_dequant(const char *dir) {
    for (int t = 0; t < NWTYPES; t++) {
        const wtype *w = &WTYPES[t];
        const struct ggml_type_traits *tr = get_traits(w->t);
        int bs = (int) tr->blck_size, nrand = bs == 32 ? 256 : 32, nquant = bs == 32 ? 128 : 24;
        int nb = nrand + nquant;
        uint8_t *blocks = xmalloc((size_t) nb * tr->type_size);
        rng_state = 777 + t;
        random_blocks(w, blocks, nrand, 1);
        // quantized from floats by ggml's reference quantizer
        float *x = xmalloc(sizeof(float) * (size_t) nquant * bs);
        for (int b = 0; b < nquant; b++) fill_row(x + (size_t) b * bs, bs, b % 2 ? 0 : 1);
        if (!tr->from_float_ref) { fprintf(stderr, "no from_float_ref for %s\n", tr->type_name); exit(1); }
        tr->from_float_ref(x, blocks + (size_t) nrand * tr->type_size, (int64_t) nquant * bs);
        float *y = xmalloc(sizeof(float) * (size_t) nb * bs);
        tr->to_float(blocks, y, (int64_t) nb * bs);
        char name[64];
        snprintf(name, sizeof name, "deq-%s.bin", w->name);
        FILE *f = open_out(dir, name);
        put_i32(f, w->t);
        put_i32(f, nb);
        fwrite(blocks, tr->type_size, nb, f);
        fwrite(y, sizeof(float), (size_t) nb * bs, f);
        fclose(f);
        free(blocks); free(x); free(y);
    }
}

static void gen_dots(const char *dir) {
    static const int KS[] = {256, 512, 768, 1024, 2048, 3072};
    for (int t = 0; t < NWTYPES; t++) {
        const wtype *w = &WTYPES[t];
        if (w->t == GGML_TYPE_Q8_0) continue; // Q8_0 has kernels of its own
        const struct ggml_type_traits *tr = get_traits(w->t);
        const struct ggml_type_traits_cpu *cpu = get_traits_cpu(w->t);
        const struct ggml_type_traits *atr = get_traits(cpu->vec_dot_type);
        const struct ggml_type_traits_cpu *acpu = get_traits_cpu(cpu->vec_dot_type);
        int bs = (int) tr->blck_size;
        int ncases = 14;
        char name[64];
        snprintf(name, sizeof name, "dot-%s.bin", w->name);
        FILE *f = open_out(dir, name);
        put_i32(f, w->t);
        put_i32(f, cpu->vec_dot_type);
        put_i32(f, ncases);
        rng_state = 4242 + t;
        for (int c = 0; c < ncases; c++) {
            int k = bs == 32 && c % 7 == 6 ? 1152 : bs == 32 && c % 7 == 5 ? 96 : KS[c % 6];
            size_t wbytes = (size_t) k / bs * tr->type_size, abytes = (size_t) k / atr->blck_size * atr->type_size;
            uint8_t *wq = xmalloc(wbytes), *aq = xmalloc(abytes);
            float *xw = xmalloc(sizeof(float) * k), *x = xmalloc(sizeof(float) * k);
            if (c % 2 == 0) {
                fill_row(xw, k, c % 4 == 0 ? 0 : 7);
                tr->from_float_ref(xw, wq, k);
            } else {
                random_blocks(w, wq, k / bs, 0);
            }
            int kinds[] = {0, 7, 2, 3, 0, 7, 0};
            fill_row(x, k, kinds[c % 7]);
            memset(aq, 0, abytes);
            acpu->from_float(x, aq, k);
            float s = NAN;
            cpu->vec_dot(k, &s, 0, wq, 0, aq, 0, 1);
            put_i32(f, k);
            fwrite(wq, 1, wbytes, f);
            fwrite(x, sizeof(float), k, f);
            fwrite(aq, 1, abytes, f);
            fwrite(&s, sizeof(float), 1, f);
            free(wq); free(aq); free(xw); free(x);
        }
        fclose(f);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s <bins dir> <cpu variant> <out dir>\n", argv[0]); return 2; }
    char path[4096];
    snprintf(path, sizeof path, "%s/libggml-base.so", argv[1]);
    void *base = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!base) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    snprintf(path, sizeof path, "%s/libggml-cpu-%s.so", argv[1], argv[2]);
    void *cpu = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!cpu) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    get_traits = (traits_fn) dlsym(base, "ggml_get_type_traits");
    get_traits_cpu = (traits_cpu_fn) dlsym(cpu, "ggml_get_type_traits_cpu");
    void (*cpu_init)(void) = (void (*)(void)) dlsym(cpu, "ggml_cpu_init");
    if (!get_traits || !get_traits_cpu || !cpu_init) { fprintf(stderr, "missing symbols\n"); return 1; }
    cpu_init();
    gen_activations(argv[3]);
    gen_dequant(argv[3]);
    gen_dots(argv[3]);
    fprintf(stderr, "wrote vectors with libggml-cpu-%s.so to %s\n", argv[2], argv[3]);
    return 0;
}
