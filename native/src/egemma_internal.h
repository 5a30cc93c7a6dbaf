/* SPDX-License-Identifier: Apache-2.0 */
/* Internal declarations shared by the dispatcher and the tier translation units. Nothing here is ABI. */
#ifndef EGEMMA_INTERNAL_H
#define EGEMMA_INTERNAL_H

#include <stdint.h>
#include <math.h>
#include <string.h>

#include "egemma.h"

/* for helpers that must be compiled into their caller (a tier's ISA, a target_clones clone, constant tile shapes) */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* A vector loaded once for several FMAs stays a register: GCC otherwise folds the load into each FMA as a memory
 * operand, and the kernel that meant to load it once loads it every time (measured: attention's scores 1.17x). */
#if defined(__GNUC__)
#define KEEP_IN_REGISTER(x) __asm__("" : "+v"(x))
#else
#define KEEP_IN_REGISTER(x) ((void)0)
#endif

/* One Q8_0 dot kernel per tier; each lives in the translation unit compiled with that tier's flags. */
typedef float (*egemma_q8_0_dot_fn)(const uint8_t *a, const uint8_t *b, int64_t n_blocks);

float egemma_q8_0_dot_scalar(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_avx2(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_avx512(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_neon(const uint8_t *a, const uint8_t *b, int64_t n_blocks);
float egemma_q8_0_dot_neon_dotprod(const uint8_t *a, const uint8_t *b, int64_t n_blocks);

/* Q8_0 GEMM tile on packed weights (arguments validated by the dispatcher, see egemma_q8_0_gemm) and the
 * activation quantizer, one per tier (a tier without its own quantizer uses the scalar one: all are
 * bit-identical). */
/* scratch: egemma_q8_0_gemm_scratch_bytes(m, k) bytes, 64-byte aligned, from the caller (the tiers allocate nothing) */
typedef void (*egemma_q8_0_gemm_fn)(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed,
                                    int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
typedef void (*egemma_q8_0_quantize_fn)(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da);

void egemma_q8_0_gemm_scalar(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_avx2(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
/* the same in block order (EGEMMA_Q8_0_ORDER_BLOCK); the AMX tier's x86 order is egemma_q8_0_gemm_avx512, the NEON
 * tiers have only this order (their entries above) */
void egemma_q8_0_gemm_block_scalar(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_block_avx2(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_block_avx512(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_amx(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_neon(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_q8_0_gemm_neon_dotprod(const int8_t *qa, const float *da, int64_t m, int64_t k, const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);

/* RMSNorm and GELU * up per tier (arguments checked by the public functions in egemma.c) */
typedef void (*egemma_rms_norm_fn)(float *x, int64_t rows, int64_t n, const float *w, float eps);
typedef void (*egemma_gelu_mul_fn)(float *gate, const float *up, int64_t count, const float *table);
void egemma_rms_norm_scalar(float *x, int64_t rows, int64_t n, const float *w, float eps);
void egemma_rms_norm_avx2(float *x, int64_t rows, int64_t n, const float *w, float eps);
void egemma_rms_norm_avx512(float *x, int64_t rows, int64_t n, const float *w, float eps);
void egemma_gelu_mul_scalar(float *gate, const float *up, int64_t count, const float *table);
void egemma_gelu_mul_avx2(float *gate, const float *up, int64_t count, const float *table);
void egemma_gelu_mul_avx512(float *gate, const float *up, int64_t count, const float *table);

/* Attention of the query heads sharing one KV head (egemma_attention, arguments checked): the portable version
 * (attention.c, one head at a time, scratch: tokens floats) and the AVX2 and AVX-512 ones, which return 0 without
 * computing anything for shapes they do not handle. The tiers attend EGEMMA_ATTENTION_TILE queries at a time
 * (attention_tier.h); egemma_attention_scratch_size counts what they keep. */
#define EGEMMA_ATTENTION_TILE 32
#define EGEMMA_ATTENTION_CLASS_FLOATS 1024 /* the largest PV_F of a tier */
void egemma_attention_head_portable(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                    int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v,
                                    int64_t half_window, int64_t q0, int64_t q1, float *scores);
/* F32/F16/BF16 GEMM tile (arguments validated by the dispatcher, see egemma_float_gemm; the tier kernels need k a
 * multiple of 16, egemma_float_gemm_vec_dot takes any k). All bit-identical. */
typedef void (*egemma_float_gemm_fn)(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1,
                                     float *c, int64_t ldc);
void egemma_float_gemm_scalar(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c, int64_t ldc);
void egemma_float_gemm_vec_dot(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c, int64_t ldc);
void egemma_float_gemm_avx2(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c, int64_t ldc);
void egemma_float_gemm_avx512(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c, int64_t ldc);
void egemma_float_gemm_neon(const float *a, int64_t m, int64_t k, const uint8_t *w, int32_t wtype, int64_t n0, int64_t n1, float *c, int64_t ldc);

typedef int (*egemma_attention_fn)(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                   int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads,
                                   int64_t half_window, int64_t q0, int64_t q1, float *scratch);
int egemma_attention_avx2(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride, int64_t k_stride,
                          int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads, int64_t half_window,
                          int64_t q0, int64_t q1, float *scratch);
int egemma_attention_avx512(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride, int64_t k_stride,
                            int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads, int64_t half_window,
                            int64_t q0, int64_t q1, float *scratch);

/* ggml's rms_norm after the sum: x = (x * (1/sqrtf(mean + eps))) * w, mean = (float)(sum / n) (every tier) */
static inline void egemma_rms_scale_row(float *x, int64_t n, const float *w, double sum, float eps) {
    const float mean = (float)(sum / (double)n);
    const float scale = 1.0f / sqrtf(mean + eps);
    for (int64_t j = 0; j < n; j++) x[j] = (x[j] * scale) * w[j];
}

void egemma_q8_0_quantize_scalar(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da);
void egemma_q8_0_quantize_avx2(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da);
void egemma_q8_0_quantize_avx512(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da);

/* Fully unrolls the loop it precedes: the GEMM tiles' accumulator arrays live in registers only if their loops are
 * unrolled (GCC -O2 keeps them rolled, with every accumulator in memory). */
#if defined(__GNUC__)
#define EGEMMA_UNROLL _Pragma("GCC unroll 8")
#else
#define EGEMMA_UNROLL
#endif

/* A read prefetch of the line at p into L2 and the levels below it, not L1: with many rows a group's passes run long
 * and L1 keeps the current group's records and the streaming activations (prefetcht0 measured the same on
 * short texts) */
#if defined(__GNUC__)
#define EGEMMA_PREFETCH(p) __builtin_prefetch((p), 0, 2)
#elif defined(_M_X64)
#include <intrin.h>
#define EGEMMA_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T1)
#else
#define EGEMMA_PREFETCH(p) ((void)(p))
#endif

/* Packed record layout (include/egemma.h): offsets inside one EGEMMA_Q8_0_PACK_RECORD_BYTES record. */
#define PK_Q 0

/* Rows of activations one AVX-512 pass biases into the scratch (a multiple of its register tile's rows). */
#define EGEMMA_GEMM_CHUNK_ROWS 64

/* Scratch of egemma_q8_0_gemm for m rows of k: the biased rows of one chunk, then the quad corrections of one
 * column group (k/32 blocks x 8 quads x 64 bytes), 64 bytes of alignment slack. */
static inline int64_t egemma_q8_0_gemm_scratch_bytes(int64_t m, int64_t k) {
    const int64_t rows = m < EGEMMA_GEMM_CHUNK_ROWS ? m : EGEMMA_GEMM_CHUNK_ROWS;
    return rows * k + (k / EGEMMA_QK8_0) * 8 * 64 + 64;
}

/* Bytes of one packed column group: its nb records, then its nb x 16 fp16 scales padded to 64 bytes (so that every
 * group, and so every record, stays 64-byte aligned). */
static inline int64_t egemma_pack_group_bytes(int64_t nb) {
    return nb * EGEMMA_Q8_0_PACK_RECORD_BYTES + (nb * EGEMMA_Q8_0_PACK_SCALE_BYTES + 63) / 64 * 64;
}

static inline const uint8_t *egemma_pack_record(const uint8_t *packed, int64_t group, int64_t nb, int64_t blk) {
    return packed + group * egemma_pack_group_bytes(nb) + blk * EGEMMA_Q8_0_PACK_RECORD_BYTES;
}

/* The 16 columns' scales of record (group, blk): raw fp16 bits, as in the GGUF blocks */
static inline const uint16_t *egemma_pack_scales(const uint8_t *packed, int64_t group, int64_t nb, int64_t blk) {
    return (const uint16_t *)(packed + group * egemma_pack_group_bytes(nb) + nb * EGEMMA_Q8_0_PACK_RECORD_BYTES +
                              blk * EGEMMA_Q8_0_PACK_SCALE_BYTES);
}

/* Software prefetch of the next column group while this one is computed. With few activation rows (short texts)
 * a group's records are read from memory by its first pass and then reused from L1, so all of its memory traffic
 * fell into 1/(2m) of its compute time and the core stalled on it (the hardware prefetcher runs only a few lines
 * ahead). Each of the group's 2m passes (2 halves x m rows) instead fetches its share of the next group's bytes,
 * a few lines per block, so the stream overlaps the arithmetic. */
typedef struct {
    const char *at, *end; /* the lines still to fetch */
    int64_t step;         /* bytes fetched per block */
} egemma_prefetch;

/* The share of pass `pass` (of `passes`) of the `count` groups after [g, g + count), which a tile of `count` groups
 * computes; empty when there is none in range */
/* The share of pass `pass` (of `passes`) of the `bytes` at `next`, fetched in `steps` steps */
static inline egemma_prefetch egemma_prefetch_share(const char *next, int64_t bytes, int64_t steps, int64_t pass, int64_t passes) {
    egemma_prefetch pf;
    pf.at = next + pass * bytes / passes / 64 * 64;
    pf.end = next + (pass + 1) * bytes / passes;
    pf.step = ((pf.end - pf.at) / steps + 64) / 64 * 64;
    return pf;
}

static inline egemma_prefetch egemma_prefetch_next_groups(const uint8_t *packed, int64_t g, int64_t count, int64_t nb, int has_next,
                                                          int64_t pass, int64_t passes) {
    egemma_prefetch none = {0, 0, 0};
    if (!has_next) return none;
    return egemma_prefetch_share((const char *)packed + (g + count) * egemma_pack_group_bytes(nb), count * egemma_pack_group_bytes(nb), nb, pass,
                                 passes);
}

/* The share of pass `pass` (of `passes`) of group g+1's bytes; empty when there is no next group in range */
static inline egemma_prefetch egemma_prefetch_next_group(const uint8_t *packed, int64_t g, int64_t nb, int has_next,
                                                         int64_t pass, int64_t passes) {
    return egemma_prefetch_next_groups(packed, g, 1, nb, has_next, pass, passes);
}

/* All lines of groups [g, g + count) at once: the first groups of a tile, which have no pass before them to fetch
 * them */
static inline void egemma_prefetch_groups(const uint8_t *packed, int64_t g, int64_t count, int64_t nb) {
    const char *first = (const char *)packed + g * egemma_pack_group_bytes(nb);
    for (int64_t off = 0; off < count * egemma_pack_group_bytes(nb); off += 64) EGEMMA_PREFETCH(first + off);
}

static inline void egemma_prefetch_group(const uint8_t *packed, int64_t g, int64_t nb) {
    egemma_prefetch_groups(packed, g, 1, nb);
}

/* One block's share: `step` bytes of lines */
static inline void egemma_prefetch_step(egemma_prefetch *pf) {
    for (const char *stop = pf->at + pf->step; pf->at < stop && pf->at < pf->end; pf->at += 64)
        EGEMMA_PREFETCH(pf->at);
}

/* ---- super-block ("kq") layout (include/egemma.h, egemma_kq_pack): offsets inside one record of 16 columns x 256 */
static inline int egemma_kq_sub(int32_t format) { return format >= EGEMMA_KQ_SUB32 ? 32 : 16; }
static inline int egemma_kq_has_min(int32_t format) { return format & 1; }
#define KQ_Q 0
#define KQ_SC 4096
static inline int64_t egemma_kq_corr_at(int32_t format) { return KQ_SC + (EGEMMA_QK_K / egemma_kq_sub(format)) * 16; }
static inline int64_t egemma_kq_d_at(int32_t format) { return egemma_kq_corr_at(format) + 64; }
static inline int64_t egemma_kq_mn_at(int32_t format) { return egemma_kq_d_at(format) + 64; }
static inline int64_t egemma_kq_dmin_at(int32_t format) { return egemma_kq_mn_at(format) + 512; }
static inline int64_t egemma_kq_record_bytes(int32_t format) {
    return egemma_kq_has_min(format) ? egemma_kq_dmin_at(format) + 64 : egemma_kq_mn_at(format);
}
/* record of (group g, super-block b) of a matrix of nbk super-blocks per row */
static inline const uint8_t *egemma_kq_record(const uint8_t *packed, int32_t format, int64_t g, int64_t nbk, int64_t b) {
    return packed + (g * nbk + b) * egemma_kq_record_bytes(format);
}
/* byte offset of element e (< 256) of column col in a record's quants */
static inline int64_t egemma_kq_q_at(int64_t e, int col) { return (e / 32) * 512 + ((e % 32) / 4) * 64 + col * 4 + e % 4; }

/* Expands CALL(F) with F the super-block format as a compile-time constant, chosen by format: each tier's kq kernel
 * specialises its sub-block loops per format this way */
#define EGEMMA_KQ_SPECIALIZE(format, CALL)                         \
    switch (format) {                                              \
    case EGEMMA_KQ_SUB16: CALL(EGEMMA_KQ_SUB16); break;            \
    case EGEMMA_KQ_SUB16_MIN: CALL(EGEMMA_KQ_SUB16_MIN); break;    \
    case EGEMMA_KQ_SUB32: CALL(EGEMMA_KQ_SUB32); break;            \
    default: CALL(EGEMMA_KQ_SUB32_MIN); break;                     \
    }

/* Q8_K's block of all zeros: zero quants, scale and sums of 16 (every tier's quantizer) */
static inline void egemma_q8_k_zero_block(int8_t *q, float *d, int16_t *bsums) {
    *d = 0.0f;
    memset(q, 0, EGEMMA_QK_K);
    memset(bsums, 0, 16 * sizeof *bsums);
}

/* The first of the 256 values whose magnitude is amax (> 0): the signed max the scalar quantizer's strict > keeps */
static inline float egemma_q8_k_first_of_magnitude(const float *x, float amax) {
    for (int j = 0; j < EGEMMA_QK_K; j++)
        if (fabsf(x[j]) == amax) return x[j];
    return 0.0f; /* unreachable: amax is one of the magnitudes */
}

/* The activation rows of a register tile of rmax rows from row i0, rm of them real: rows past rm repeat row i0,
 * computed but never stored (the NEON and AVX2 tiles; the AVX-512 ones read biased rows, egemma_tile_rows) */
static inline void egemma_tile_row_pointers(int rmax, int rm, int64_t i0, const int8_t *qa, const float *da, int64_t k, int64_t nb,
                                            const int8_t **arow, const float **drow) {
    for (int i = 0; i < rmax; i++) {
        const int64_t row = i0 + (i < rm ? i : 0);
        arow[i] = qa + row * k;
        drow[i] = da + row * nb;
    }
}

typedef void (*egemma_kq_gemm_fn)(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                                  const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_kq_gemm_scalar(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                           const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_kq_gemm_avx2(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                         const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_kq_gemm_avx512(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                           const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_kq_gemm_neon(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                         const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
void egemma_kq_gemm_neon_dotprod(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                                 const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch);
/* The min term of rows [0, m) x columns [n0, n1), subtracted from c: c = c - accMin, accMin = fma((float)msum,
 * dmin_w*d_a, accMin) per super-block (every tier: one pass after the main product, ~1/16 of its integer work) */
/* egemma_q8_k_quantize per tier (bit-identical; the scalar one is the reference) */
typedef void (*egemma_q8_k_quantize_fn)(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums);
void egemma_q8_k_quantize_scalar(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums);
void egemma_q8_k_quantize_avx2(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums);
void egemma_q8_k_quantize_avx512(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums);

/* egemma_add_min_term per tier (arguments checked by the dispatcher; bit-identical) */
typedef void (*egemma_add_min_term_fn)(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa,
                                       int64_t nb);
void egemma_add_min_term_scalar(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb);
void egemma_add_min_term_avx2(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb);
void egemma_add_min_term_avx512(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb);
void egemma_add_min_term_neon(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb);
void egemma_kq_sub_min_neon(int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed,
                            int64_t n0, int64_t n1, float *c, int64_t ldc);
void egemma_kq_sub_min_scalar(int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed,
                              int64_t n0, int64_t n1, float *c, int64_t ldc);

/* CPU features (EGEMMA_CPU_* bits) as the CPU and OS report them; cpu_x86.c or cpu_arm.c. */
uint32_t egemma_detect_cpu_features(void);

/* Asks the OS for the AMX tile data state (Linux: arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); 1 when
 * granted. Called once, only when the CPU has AMX. */
int egemma_request_amx(void);

/* Reads the fp16 scale at p. Blocks are 34 bytes, so the scale is at most 2-byte aligned: memcpy, never a
 * cast. */
static inline uint16_t egemma_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* IEEE binary16 -> binary32, exact for every input (normals, subnormals, infinities, NaN payloads), with
 * integer operations only so that every tier and the Java side (Float.float16ToFloat) agree bit for bit. */
static inline float egemma_fp16_to_fp32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {
            /* subnormal: mant * 2^-24; renormalise so the leading 1 moves into the implicit bit */
            uint32_t e = 113, m = mant; /* 113 = 127 - 15 + 1 */
            while ((m & 0x400u) == 0) { m <<= 1; e--; }
            bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* IEEE binary32 -> binary16, round to nearest even (what F16C's vcvtps2ph with imm 0, ggml's
 * GGML_FP32_TO_FP16 on x86 and Java's Float.floatToFloat16 do), overflow to infinity, subnormals exact. */
static inline uint16_t egemma_fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu)); /* NaN stays NaN (quiet) */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);                        /* >= 65520: infinity */
    if (ax >= 0x38800000u) {                                                          /* normal: >= 2^-14 */
        const uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);                          /* RNE on 13 bits */
        return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
    }
    if (ax < 0x33000000u) return sign;                                                /* <= 2^-25 ties to 0 */
    const uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - e;                                                  /* units of 2^-24 */
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) q++;
    return (uint16_t)(sign | q);
}

#endif
