/* SPDX-License-Identifier: Apache-2.0 */
/* Library entry points: version, CPU capabilities, tier selection and the dispatching kernel wrappers.
 * Compiled without ISA flags (it runs on every CPU); the tier translation units are only called through the
 * table below once the CPU is known to support them. Which tiers exist is decided by CMake
 * (EGEMMA_HAVE_<TIER>), per target architecture. */
#include <stdlib.h>

#include "egemma_internal.h"

#ifndef EGEMMA_VERSION_STRING
#define EGEMMA_VERSION_STRING "unknown"
#endif

static const char *const ISA_NAMES[EGEMMA_ISA_COUNT] = {"scalar", "avx2", "avx512", "amx", "neon", "neon_dotprod"};

/* Position of a tier in its chain; a limit keeps tiers of the same chain whose rank is not above it. */
static const int ISA_RANK[EGEMMA_ISA_COUNT] = {0, 1, 2, 3, 1, 2};
static const int ISA_IS_ARM[EGEMMA_ISA_COUNT] = {0, 0, 0, 0, 1, 1};

#if defined(__aarch64__) || defined(_M_ARM64)
#define TARGET_IS_ARM 1
#else
#define TARGET_IS_ARM 0
#endif

/* Kernels per tier; NULL where this build has no translation unit for the tier. IF_<TIER>(fn) is fn when it has one. */
#ifdef EGEMMA_HAVE_AVX2
#define IF_AVX2(fn) fn
#else
#define IF_AVX2(fn) NULL
#endif
#ifdef EGEMMA_HAVE_AVX512
#define IF_AVX512(fn) fn
#else
#define IF_AVX512(fn) NULL
#endif
#ifdef EGEMMA_HAVE_AMX
#define IF_AMX(fn) fn
#else
#define IF_AMX(fn) NULL
#endif
#ifdef EGEMMA_HAVE_NEON
#define IF_NEON(fn) fn
#else
#define IF_NEON(fn) NULL
#endif
#ifdef EGEMMA_HAVE_NEON_DOTPROD
#define IF_NEON_DOTPROD(fn) fn
#else
#define IF_NEON_DOTPROD(fn) NULL
#endif
/* the avx512 and amx entries of a kernel that has an AVX-512 version and nothing of its own for AMX */
#define AVX512_AND_AMX(fn) IF_AVX512(fn), IF_AMX(fn)
/* the neon and neon_dotprod entries of a kernel with one NEON version */
#define NEON_AND_DOTPROD(fn) IF_NEON(fn), IF_NEON_DOTPROD(fn)

/* amx: a dot product has nothing to gain from tiles */
static const egemma_q8_0_dot_fn Q8_0_DOT[EGEMMA_ISA_COUNT] = {egemma_q8_0_dot_scalar, IF_AVX2(egemma_q8_0_dot_avx2), AVX512_AND_AMX(egemma_q8_0_dot_avx512),
                                                             IF_NEON(egemma_q8_0_dot_neon), IF_NEON_DOTPROD(egemma_q8_0_dot_neon_dotprod)};

/* Q8_0 GEMM per tier in the x86 order (EGEMMA_Q8_0_ORDER_X86; amx: the AVX-512 kernel, as TDPBSSD cannot give the
 * lane order; the NEON tiers have only the block order) */
static const egemma_q8_0_gemm_fn Q8_0_GEMM[EGEMMA_ISA_COUNT] = {egemma_q8_0_gemm_scalar, IF_AVX2(egemma_q8_0_gemm_avx2), AVX512_AND_AMX(egemma_q8_0_gemm_avx512),
                                                               IF_NEON(egemma_q8_0_gemm_neon), IF_NEON_DOTPROD(egemma_q8_0_gemm_neon_dotprod)};

/* ... and in block order (EGEMMA_Q8_0_ORDER_BLOCK), the same bits on every tier (amx: tiles from 16 rows) */
static const egemma_q8_0_gemm_fn Q8_0_GEMM_BLOCK[EGEMMA_ISA_COUNT] = {
    egemma_q8_0_gemm_block_scalar, IF_AVX2(egemma_q8_0_gemm_block_avx2), IF_AVX512(egemma_q8_0_gemm_block_avx512), IF_AMX(egemma_q8_0_gemm_amx),
    IF_NEON(egemma_q8_0_gemm_neon), IF_NEON_DOTPROD(egemma_q8_0_gemm_neon_dotprod)};

/* Super-block ("kq") GEMM per tier (bit-identical; amx: the AVX-512 kernel) */
static const egemma_kq_gemm_fn KQ_GEMM[EGEMMA_ISA_COUNT] = {egemma_kq_gemm_scalar, IF_AVX2(egemma_kq_gemm_avx2), AVX512_AND_AMX(egemma_kq_gemm_avx512),
                                                            IF_NEON(egemma_kq_gemm_neon), IF_NEON_DOTPROD(egemma_kq_gemm_neon_dotprod)};
/* Q8_K activation quantizer per tier (bit-identical; NULL: the scalar one) */
static const egemma_q8_k_quantize_fn Q8_K_QUANTIZE[EGEMMA_ISA_COUNT] = {egemma_q8_k_quantize_scalar, IF_AVX2(egemma_q8_k_quantize_avx2),
                                                                       AVX512_AND_AMX(egemma_q8_k_quantize_avx512),
                                                                       NULL, NULL};
/* Q4_1/Q5_1's min term per tier (bit-identical; they live beside the kq kernels) */
static const egemma_add_min_term_fn ADD_MIN_TERM[EGEMMA_ISA_COUNT] = {egemma_add_min_term_scalar, IF_AVX2(egemma_add_min_term_avx2),
                                                                     AVX512_AND_AMX(egemma_add_min_term_avx512), NEON_AND_DOTPROD(egemma_add_min_term_neon)};

/* Activation quantizer per tier (all bit-identical; NULL: the scalar one) */
static const egemma_q8_0_quantize_fn Q8_0_QUANTIZE[EGEMMA_ISA_COUNT] = {egemma_q8_0_quantize_scalar, IF_AVX2(egemma_q8_0_quantize_avx2), AVX512_AND_AMX(egemma_q8_0_quantize_avx512), NULL, NULL};

/* RMSNorm and GELU * up per tier (bit-identical; NULL: the portable one) */
static const egemma_rms_norm_fn RMS_NORM[EGEMMA_ISA_COUNT] = {egemma_rms_norm_scalar, IF_AVX2(egemma_rms_norm_avx2), AVX512_AND_AMX(egemma_rms_norm_avx512), NULL, NULL};
static const egemma_gelu_mul_fn GELU_MUL[EGEMMA_ISA_COUNT] = {egemma_gelu_mul_scalar, IF_AVX2(egemma_gelu_mul_avx2), AVX512_AND_AMX(egemma_gelu_mul_avx512), NULL, NULL};
/* Attention per tier (bit-identical; NULL: the portable one, whose target_clones pick AVX-512 or AVX2 code by CPU) */
static const egemma_attention_fn ATTENTION[EGEMMA_ISA_COUNT] = {NULL, IF_AVX2(egemma_attention_avx2), AVX512_AND_AMX(egemma_attention_avx512), NULL, NULL};

/* F32/F16/BF16 GEMM per tier (bit-identical; k a multiple of 16 only, egemma_float_gemm_vec_dot serves the rest) */
static const egemma_float_gemm_fn FLOAT_GEMM[EGEMMA_ISA_COUNT] = {egemma_float_gemm_scalar, IF_AVX2(egemma_float_gemm_avx2), AVX512_AND_AMX(egemma_float_gemm_avx512), NEON_AND_DOTPROD(egemma_float_gemm_neon)};

/* Process-wide state, set once by init() and changed only by egemma_set_isa_limit. Written before any
 * kernel runs (documented contract), so plain variables; `initialized` is published last. */
static uint32_t g_features;
static uint32_t g_caps;
static int32_t g_active;
static egemma_q8_0_dot_fn g_q8_0_dot = egemma_q8_0_dot_scalar;
static egemma_q8_0_gemm_fn g_q8_0_gemm = egemma_q8_0_gemm_scalar;
static egemma_q8_0_gemm_fn g_q8_0_gemm_block = egemma_q8_0_gemm_block_scalar;
static egemma_q8_0_quantize_fn g_q8_0_quantize = egemma_q8_0_quantize_scalar;
static egemma_rms_norm_fn g_rms_norm = egemma_rms_norm_scalar;
static egemma_gelu_mul_fn g_gelu_mul = egemma_gelu_mul_scalar;
static egemma_attention_fn g_attention = NULL;
static egemma_float_gemm_fn g_float_gemm = egemma_float_gemm_scalar;
static egemma_kq_gemm_fn g_kq_gemm = egemma_kq_gemm_scalar;
static egemma_add_min_term_fn g_add_min_term = egemma_add_min_term_scalar;
static egemma_q8_k_quantize_fn g_q8_k_quantize = egemma_q8_k_quantize_scalar;
static int g_initialized;

#if defined(_MSC_VER)
/* MSVC: volatile accesses have acquire/release semantics on x86/x64 (/volatile:ms, the default there) */
#define LOAD_ACQUIRE(p) (*(volatile int *)(p))
#define STORE_RELEASE(p, v) (*(volatile int *)(p) = (v))
#else
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

static uint32_t caps_from_features(uint32_t f) {
    uint32_t caps = 1u << EGEMMA_ISA_SCALAR;
    const uint32_t avx2 = EGEMMA_CPU_AVX2 | EGEMMA_CPU_FMA | EGEMMA_CPU_F16C;
    const uint32_t avx512 = avx2 | EGEMMA_CPU_AVX512F | EGEMMA_CPU_AVX512BW | EGEMMA_CPU_AVX512VL | EGEMMA_CPU_AVX512VNNI;
    if (Q8_0_DOT[EGEMMA_ISA_AVX2] && (f & avx2) == avx2) caps |= 1u << EGEMMA_ISA_AVX2;
    if (Q8_0_DOT[EGEMMA_ISA_AVX512] && (f & avx512) == avx512) caps |= 1u << EGEMMA_ISA_AVX512;
    const uint32_t amx = avx512 | EGEMMA_CPU_AMX_TILE | EGEMMA_CPU_AMX_INT8;
    /* the tile data state must be granted by the OS before the first tile instruction (once per process) */
    if (Q8_0_GEMM_BLOCK[EGEMMA_ISA_AMX] && (f & amx) == amx && egemma_request_amx()) caps |= 1u << EGEMMA_ISA_AMX;
    if (Q8_0_DOT[EGEMMA_ISA_NEON] && (f & EGEMMA_CPU_NEON)) caps |= 1u << EGEMMA_ISA_NEON;
    if (Q8_0_DOT[EGEMMA_ISA_NEON_DOTPROD] && (f & (EGEMMA_CPU_NEON | EGEMMA_CPU_DOTPROD)) == (EGEMMA_CPU_NEON | EGEMMA_CPU_DOTPROD))
        caps |= 1u << EGEMMA_ISA_NEON_DOTPROD;
    return caps;
}

/* best usable tier whose rank does not exceed max_rank */
static int32_t best_tier(uint32_t caps, int max_rank) {
    int32_t best = EGEMMA_ISA_SCALAR;
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++) {
        if ((caps >> t) & 1u && ISA_IS_ARM[t] == TARGET_IS_ARM && ISA_RANK[t] <= max_rank && ISA_RANK[t] > ISA_RANK[best])
            best = t;
    }
    return best;
}

static void activate(int32_t tier) {
    g_active = tier;
    g_q8_0_dot = Q8_0_DOT[tier] ? Q8_0_DOT[tier] : egemma_q8_0_dot_scalar;
    g_q8_0_gemm = Q8_0_GEMM[tier] ? Q8_0_GEMM[tier] : egemma_q8_0_gemm_scalar;
    g_q8_0_gemm_block = Q8_0_GEMM_BLOCK[tier] ? Q8_0_GEMM_BLOCK[tier] : egemma_q8_0_gemm_block_scalar;
    g_q8_0_quantize = Q8_0_QUANTIZE[tier] ? Q8_0_QUANTIZE[tier] : egemma_q8_0_quantize_scalar;
    g_rms_norm = RMS_NORM[tier] ? RMS_NORM[tier] : egemma_rms_norm_scalar;
    g_gelu_mul = GELU_MUL[tier] ? GELU_MUL[tier] : egemma_gelu_mul_scalar;
    g_attention = ATTENTION[tier];
    g_float_gemm = FLOAT_GEMM[tier] ? FLOAT_GEMM[tier] : egemma_float_gemm_scalar;
    g_kq_gemm = KQ_GEMM[tier] ? KQ_GEMM[tier] : egemma_kq_gemm_scalar;
    g_add_min_term = ADD_MIN_TERM[tier] ? ADD_MIN_TERM[tier] : egemma_add_min_term_scalar;
    g_q8_k_quantize = Q8_K_QUANTIZE[tier] ? Q8_K_QUANTIZE[tier] : egemma_q8_k_quantize_scalar;
}

static int32_t isa_from_name(const char *name) {
    for (int32_t t = 0; t < EGEMMA_ISA_COUNT; t++)
        if (strcmp(name, ISA_NAMES[t]) == 0) return t;
    return -1;
}

static int32_t apply_limit(int32_t isa) {
    if (isa < 0 || isa >= EGEMMA_ISA_COUNT) return EGEMMA_ERR_BAD_ARGUMENT;
    if (isa != EGEMMA_ISA_SCALAR && ISA_IS_ARM[isa] != TARGET_IS_ARM) return EGEMMA_ERR_UNSUPPORTED;
    activate(best_tier(g_caps, ISA_RANK[isa]));
    return g_active;
}

/* Idempotent: two threads racing here compute and store the same values. */
static void init(void) {
    if (LOAD_ACQUIRE(&g_initialized)) return;
    g_features = egemma_detect_cpu_features();
    g_caps = caps_from_features(g_features);
    activate(best_tier(g_caps, 99));
    /* EGEMMA_ISA=<tier name> caps the tier for the whole process (an unknown name is ignored; the Java
     * side validates and reports it) */
    const char *env = getenv("EGEMMA_ISA");
    if (env != NULL && env[0] != '\0') {
        int32_t t = isa_from_name(env);
        if (t >= 0) apply_limit(t);
    }
    STORE_RELEASE(&g_initialized, 1);
}

EGEMMA_API const char *egemma_version(void) { return EGEMMA_VERSION_STRING; }

EGEMMA_API int32_t egemma_abi_version(void) { return EGEMMA_ABI_VERSION; }

EGEMMA_API uint32_t egemma_cpu_features(void) {
    init();
    return g_features;
}

EGEMMA_API uint32_t egemma_caps(void) {
    init();
    return g_caps;
}

EGEMMA_API int32_t egemma_active_isa(void) {
    init();
    return g_active;
}

EGEMMA_API int32_t egemma_set_isa_limit(int32_t isa) {
    init();
    return apply_limit(isa);
}

EGEMMA_API const char *egemma_isa_name(int32_t isa) {
    return isa >= 0 && isa < EGEMMA_ISA_COUNT ? ISA_NAMES[isa] : "unknown";
}

EGEMMA_API float egemma_q8_0_dot(const void *a, const void *b, int64_t n_blocks) {
    if (n_blocks <= 0 || a == NULL || b == NULL) return 0.0f;
    init();
    return g_q8_0_dot((const uint8_t *)a, (const uint8_t *)b, n_blocks);
}

/* ---- Q8_0 GEMM ---------------------------------------------------------------------------------------- */

static int64_t pack_groups(int64_t n) { return (n + EGEMMA_Q8_0_PACK_COLS - 1) / EGEMMA_Q8_0_PACK_COLS; }

/* k positive, a multiple of 32, and small enough that every byte count below fits int64 */
static int valid_k(int64_t k) { return k > 0 && k % EGEMMA_QK8_0 == 0 && k <= ((int64_t)1 << 32); }
static int valid_rows(int64_t n) { return n > 0 && n <= ((int64_t)1 << 31); }

EGEMMA_API int64_t egemma_q8_0_pack_size(int64_t n, int64_t k) {
    if (!valid_rows(n) || !valid_k(k)) return EGEMMA_ERR_BAD_ARGUMENT;
    return pack_groups(n) * egemma_pack_group_bytes(k / EGEMMA_QK8_0);
}

void egemma_q8_0_pack_rows(const uint8_t *w, int64_t n, int64_t k, int64_t j0, int64_t j1, uint8_t *dst);

EGEMMA_API int32_t egemma_q8_0_pack(const void *w, int64_t n, int64_t k, int64_t j0, int64_t j1, void *dst) {
    if (w == NULL || dst == NULL || !valid_rows(n) || !valid_k(k)) return EGEMMA_ERR_BAD_ARGUMENT;
    if (j0 < 0 || j0 > j1 || j1 > n || j0 % EGEMMA_Q8_0_PACK_COLS != 0 || (j1 != n && j1 % EGEMMA_Q8_0_PACK_COLS != 0))
        return EGEMMA_ERR_BAD_ARGUMENT;
    if ((uintptr_t)dst % EGEMMA_Q8_0_PACK_ALIGN != 0) return EGEMMA_ERR_BAD_ARGUMENT;
    egemma_q8_0_pack_rows((const uint8_t *)w, n, k, j0, j1, (uint8_t *)dst);
    return 0;
}

EGEMMA_API int32_t egemma_q8_0_quantize(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da) {
    if (x == NULL || qa == NULL || da == NULL || !valid_k(k) || i0 < 0 || i0 > i1) return EGEMMA_ERR_BAD_ARGUMENT;
    init();
    g_q8_0_quantize(x, k, i0, i1, qa, da);
    return 0;
}

EGEMMA_API int64_t egemma_q8_0_gemm_scratch_size(int64_t m, int64_t k) {
    if (m < 0 || m > ((int64_t)1 << 31) || !valid_k(k)) return EGEMMA_ERR_BAD_ARGUMENT;
    return egemma_q8_0_gemm_scratch_bytes(m, k);
}

EGEMMA_API int32_t egemma_q8_0_gemm(const int8_t *qa, const float *da, int64_t m, int64_t k, const void *packed, int64_t n,
                                    int64_t n0, int64_t n1, float *c, int64_t ldc, void *scratch, int64_t scratch_bytes, int32_t order) {
    if (order != EGEMMA_Q8_0_ORDER_X86 && order != EGEMMA_Q8_0_ORDER_BLOCK) return EGEMMA_ERR_BAD_ARGUMENT;
    if (qa == NULL || da == NULL || packed == NULL || c == NULL || scratch == NULL || m < 0 || !valid_k(k) || !valid_rows(n))
        return EGEMMA_ERR_BAD_ARGUMENT;
    if (n0 < 0 || n0 > n1 || n1 > n || ldc < n1 || (uintptr_t)packed % EGEMMA_Q8_0_PACK_ALIGN != 0) return EGEMMA_ERR_BAD_ARGUMENT;
    if (m > ((int64_t)1 << 31) || scratch_bytes < egemma_q8_0_gemm_scratch_bytes(m, k)) return EGEMMA_ERR_BAD_ARGUMENT;
    if (m == 0 || n0 == n1) return 0;
    init();
    (order == EGEMMA_Q8_0_ORDER_BLOCK ? g_q8_0_gemm_block : g_q8_0_gemm)(qa, da, m, k, (const uint8_t *)packed, n0, n1, c, ldc, (uint8_t *)scratch);
    return 0;
}

/* ---- Q4_1 / Q5_1 min term ------------------------------------------------------------------------------- */

void egemma_q8_1_sums_rows(const float *x, int64_t k, int64_t i0, int64_t i1, float *sa);

EGEMMA_API int32_t egemma_q8_1_sums(const float *x, int64_t k, int64_t i0, int64_t i1, float *sa) {
    if (x == NULL || sa == NULL || !valid_k(k) || i0 < 0 || i0 > i1) return EGEMMA_ERR_BAD_ARGUMENT;
    egemma_q8_1_sums_rows(x, k, i0, i1, sa);
    return 0;
}

EGEMMA_API int32_t egemma_add_min_term(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa,
                                       int64_t nb) {
    if (c == NULL || mw == NULL || sa == NULL || m < 0 || m > ((int64_t)1 << 31) || n0 < 0 || n0 > n1 || n1 > ((int64_t)1 << 31) ||
        ldc < n1 || ldm < n1 || nb <= 0 || nb > ((int64_t)1 << 27))
        return EGEMMA_ERR_BAD_ARGUMENT;
    if (m == 0 || n0 == n1) return 0;
    init();
    g_add_min_term(c, ldc, m, n0, n1, mw, ldm, sa, nb);
    return 0;
}

/* ---- super-block ("kq") GEMM ------------------------------------------------------------------------------- */

void egemma_kq_pack_rows(int32_t format, const int8_t *q, const int8_t *sc, const int8_t *mn, const float *d, const float *dmin,
                         int64_t j0, int64_t rows, int64_t n, int64_t k, uint8_t *dst);

static int valid_kq(int32_t format, int64_t k) {
    return format >= EGEMMA_KQ_SUB16 && format <= EGEMMA_KQ_SUB32_MIN && k > 0 && k % EGEMMA_QK_K == 0 && k <= ((int64_t)1 << 32);
}

EGEMMA_API int64_t egemma_kq_pack_size(int32_t format, int64_t n, int64_t k) {
    if (!valid_kq(format, k) || !valid_rows(n)) return EGEMMA_ERR_BAD_ARGUMENT;
    return pack_groups(n) * (k / EGEMMA_QK_K) * egemma_kq_record_bytes(format);
}

EGEMMA_API int32_t egemma_kq_pack(int32_t format, const int8_t *q, const int8_t *sc, const int8_t *mn, const float *d, const float *dmin,
                                  int64_t j0, int64_t rows, int64_t n, int64_t k, void *dst) {
    if (!valid_kq(format, k) || !valid_rows(n) || q == NULL || sc == NULL || d == NULL || dst == NULL) return EGEMMA_ERR_BAD_ARGUMENT;
    if (egemma_kq_has_min(format) && (mn == NULL || dmin == NULL)) return EGEMMA_ERR_BAD_ARGUMENT;
    if (j0 < 0 || rows < 0 || j0 + rows > n || j0 % 16 != 0 || (j0 + rows != n && rows % 16 != 0)) return EGEMMA_ERR_BAD_ARGUMENT;
    if ((uintptr_t)dst % EGEMMA_Q8_0_PACK_ALIGN != 0) return EGEMMA_ERR_BAD_ARGUMENT;
    egemma_kq_pack_rows(format, q, sc, mn, d, dmin, j0, rows, n, k, (uint8_t *)dst);
    return 0;
}

EGEMMA_API int32_t egemma_q8_k_quantize(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums) {
    if (x == NULL || qa == NULL || da == NULL || bsums == NULL || !valid_kq(EGEMMA_KQ_SUB16, k) || i0 < 0 || i0 > i1) return EGEMMA_ERR_BAD_ARGUMENT;
    init();
    g_q8_k_quantize(x, k, i0, i1, qa, da, bsums);
    return 0;
}

EGEMMA_API int32_t egemma_kq_gemm(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                                  const void *packed, int64_t n, int64_t n0, int64_t n1, float *c, int64_t ldc, void *scratch,
                                  int64_t scratch_bytes) {
    if (!valid_kq(format, k) || qa == NULL || da == NULL || bsums == NULL || packed == NULL || c == NULL || scratch == NULL || m < 0 ||
        m > ((int64_t)1 << 31) || !valid_rows(n))
        return EGEMMA_ERR_BAD_ARGUMENT;
    if (n0 < 0 || n0 > n1 || n1 > n || ldc < n1 || (uintptr_t)packed % EGEMMA_Q8_0_PACK_ALIGN != 0) return EGEMMA_ERR_BAD_ARGUMENT;
    if (scratch_bytes < egemma_q8_0_gemm_scratch_bytes(m, k)) return EGEMMA_ERR_BAD_ARGUMENT;
    if (m == 0 || n0 == n1) return 0;
    init();
    g_kq_gemm(format, qa, da, bsums, m, k, (const uint8_t *)packed, n0, n1, c, ldc, (uint8_t *)scratch);
    return 0;
}

/* ---- F32 / F16 / BF16 GEMM ------------------------------------------------------------------------------ */

EGEMMA_API int32_t egemma_float_gemm(const float *a, int64_t m, int64_t k, const void *w, int32_t wtype, int64_t n, int64_t n0,
                                     int64_t n1, float *c, int64_t ldc) {
    if (a == NULL || w == NULL || c == NULL || m < 0 || m > ((int64_t)1 << 31) || k <= 0 || k > ((int64_t)1 << 32) || !valid_rows(n))
        return EGEMMA_ERR_BAD_ARGUMENT;
    if (wtype != EGEMMA_TYPE_F32 && wtype != EGEMMA_TYPE_F16 && wtype != EGEMMA_TYPE_BF16) return EGEMMA_ERR_BAD_ARGUMENT;
    if (n0 < 0 || n0 > n1 || n1 > n || ldc < n1) return EGEMMA_ERR_BAD_ARGUMENT;
    if (m == 0 || n0 == n1) return 0;
    init();
    (k % 16 == 0 ? g_float_gemm : egemma_float_gemm_vec_dot)(a, m, k, (const uint8_t *)w, wtype, n0, n1, c, ldc);
    return 0;
}

/* ---- row operations ------------------------------------------------------------------------------------- */

EGEMMA_API int32_t egemma_rms_norm(float *x, int64_t rows, int64_t n, const float *w, float eps) {
    if (x == NULL || w == NULL || rows < 0 || n <= 0) return EGEMMA_ERR_BAD_ARGUMENT;
    init();
    g_rms_norm(x, rows, n, w, eps);
    return 0;
}

EGEMMA_API int32_t egemma_gelu_mul(float *gate, const float *up, int64_t count, const float *table) {
    if (gate == NULL || up == NULL || table == NULL || count < 0) return EGEMMA_ERR_BAD_ARGUMENT;
    init();
    g_gelu_mul(gate, up, count, table);
    return 0;
}

EGEMMA_API int64_t egemma_attention_scratch_size(int64_t tokens, int64_t head_dim, int64_t head_dim_v) {
    /* QT score rows; the class sums and the tile's queries; V's rows (attention_tier.h); + 16 to align */
    const int64_t qt = EGEMMA_ATTENTION_TILE;
    if (tokens < 0 || head_dim <= 0 || head_dim_v <= 0 || head_dim > INT32_MAX || head_dim_v > INT32_MAX) return -1;
    const int64_t per_token = qt + 1 + head_dim_v, fixed = qt * (EGEMMA_ATTENTION_CLASS_FLOATS + head_dim) + 32;
    if (tokens > (INT64_MAX - fixed) / per_token) return -1;
    return per_token * tokens + fixed;
}

EGEMMA_API int32_t egemma_attention(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                    int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads,
                                    int64_t half_window, int64_t q0, int64_t q1, float *scratch) {
    if (q == NULL || k == NULL || v == NULL || out == NULL || scratch == NULL || tokens < 0 || head_dim <= 0 || head_dim_v <= 0 ||
        heads <= 0 || heads > INT32_MAX || head_dim > INT32_MAX || head_dim_v > INT32_MAX || q_stride < heads * head_dim ||
        k_stride < head_dim || v_stride < head_dim_v || o_stride < heads * head_dim_v || q0 < 0 || q0 > q1 || q1 > tokens)
        return EGEMMA_ERR_BAD_ARGUMENT;
    init();
    if (g_attention == NULL ||
        !g_attention(q, k, v, out, tokens, q_stride, k_stride, v_stride, o_stride, head_dim, head_dim_v, heads, half_window, q0, q1, scratch))
        for (int64_t h = 0; h < heads; h++)
            egemma_attention_head_portable(q + h * head_dim, k, v, out + h * head_dim_v, tokens, q_stride, k_stride, v_stride, o_stride,
                                           head_dim, head_dim_v, half_window, q0, q1, scratch);
    return 0;
}
