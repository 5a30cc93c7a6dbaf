/*
 * egemma.h: the C ABI of libegemma, the single source of truth for the Java FFM binding
 * (dev.egemma.kernels.ffm.EgemmaBinding; a JUnit test parses this file and checks that every
 * function declared with EGEMMA_API has a binding with a matching FunctionDescriptor).
 *
 * Rules of this ABI, so that every later kernel (Q8_0 GEMM, attention, row ops) fits:
 *  - plain C, fixed-width integer types, no structs passed by value, no callbacks;
 *  - libegemma owns no threads and allocates nothing: the caller (Java) partitions the work and passes
 *    every buffer; a kernel only reads its inputs and writes its outputs;
 *  - sizes are int64_t, counted in the unit the name says (blocks, rows, elements);
 *  - the caller validates every size and offset before the call; the C code still refuses
 *    negative counts (returns 0 / an EGEMMA_ERR_* code) rather than reading out of bounds;
 *  - the kernel tier (scalar, AVX2, ...) is chosen once from the CPU and can be lowered with
 *    egemma_set_isa_limit() or the environment variable EGEMMA_ISA (tests use this to run every tier).
 *
 * One declaration per line: the binding test reads declarations of the form
 *   EGEMMA_API <return type> <name>(<parameters>);
 */
#ifndef EGEMMA_H
#define EGEMMA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(EGEMMA_BUILDING)
#    define EGEMMA_API __declspec(dllexport)
#  else
#    define EGEMMA_API __declspec(dllimport)
#  endif
#else
#  define EGEMMA_API __attribute__((visibility("default")))
#endif

/* Bumped on every incompatible change of a signature or of a constant below. The Java side refuses a
 * library whose egemma_abi_version() differs from the value it was written for. */
#define EGEMMA_ABI_VERSION 1

/* ---- kernel tiers ---------------------------------------------------------------------------------
 * A tier is one translation unit compiled with its own flags. Within one architecture the tiers form a
 * chain (each needs everything the previous one needs): x86 scalar < avx2 < avx512 < amx,
 * ARM scalar < neon < neon_dotprod. */
#define EGEMMA_ISA_SCALAR       0 /* portable C, no flags */
#define EGEMMA_ISA_AVX2         1 /* -mavx2 -mfma -mf16c */
#define EGEMMA_ISA_AVX512       2 /* -mavx512f -mavx512bw -mavx512vl -mavx512vnni */
#define EGEMMA_ISA_AMX          3 /* -mamx-int8 -mamx-tile: reserved, no kernels yet */
#define EGEMMA_ISA_NEON         4 /* aarch64 Advanced SIMD (baseline on aarch64) */
#define EGEMMA_ISA_NEON_DOTPROD 5 /* -march=armv8.2-a+dotprod */
#define EGEMMA_ISA_COUNT        6

/* ---- raw CPU features (egemma_cpu_features), for diagnostics: what the CPU and the OS support,
 * whether or not a tier uses it. OS support of the AVX/AVX-512/AMX register state is folded in. */
#define EGEMMA_CPU_AVX2         (1u << 0)
#define EGEMMA_CPU_FMA          (1u << 1)
#define EGEMMA_CPU_F16C         (1u << 2)
#define EGEMMA_CPU_AVX512F      (1u << 3)
#define EGEMMA_CPU_AVX512BW     (1u << 4)
#define EGEMMA_CPU_AVX512VL     (1u << 5)
#define EGEMMA_CPU_AVX512VNNI   (1u << 6)
#define EGEMMA_CPU_AMX_TILE     (1u << 7)
#define EGEMMA_CPU_AMX_INT8     (1u << 8)
#define EGEMMA_CPU_NEON         (1u << 16)
#define EGEMMA_CPU_DOTPROD      (1u << 17)

/* ---- error codes (negative int32 results) */
#define EGEMMA_ERR_BAD_ARGUMENT (-1)
#define EGEMMA_ERR_UNSUPPORTED  (-2)

/* ---- Q8_0, ggml's layout: a block of 32 weights is an IEEE fp16 scale d followed by 32 int8 quants
 * (34 bytes, 2-byte aligned at most; weights come straight from an mmapped GGUF file). The value of
 * quant i is d * qs[i]. */
#define EGEMMA_QK8_0 32
#define EGEMMA_Q8_0_BLOCK_BYTES 34

/* Version string of the library, e.g. "0.1.0-SNAPSHOT"; static storage, never freed. */
EGEMMA_API const char *egemma_version(void);

/* EGEMMA_ABI_VERSION the library was built with. */
EGEMMA_API int32_t egemma_abi_version(void);

/* Raw CPU features (EGEMMA_CPU_* bits), detected once. */
EGEMMA_API uint32_t egemma_cpu_features(void);

/* Usable tiers: bit (1 << EGEMMA_ISA_x) is set when the tier was compiled into this library and the
 * CPU and OS support it. EGEMMA_ISA_SCALAR is always set. */
EGEMMA_API uint32_t egemma_caps(void);

/* Tier the kernels dispatch to now. */
EGEMMA_API int32_t egemma_active_isa(void);

/* Caps the tier: the kernels use the best usable tier of the same chain that is not above isa
 * (EGEMMA_ISA_SCALAR always works). Returns the tier now active, or EGEMMA_ERR_BAD_ARGUMENT for an
 * unknown tier, EGEMMA_ERR_UNSUPPORTED for a tier of the other architecture (then nothing changes).
 * Global to the process: call it before kernels run, not concurrently with them. The environment
 * variable EGEMMA_ISA=<name> applies the same cap when the library initialises. */
EGEMMA_API int32_t egemma_set_isa_limit(int32_t isa);

/* Lower-case name of a tier ("scalar", "avx2", "avx512", "amx", "neon", "neon_dotprod"), or "unknown". */
EGEMMA_API const char *egemma_isa_name(int32_t isa);

/* Dot product of two rows of n_blocks Q8_0 blocks each:
 *   sum over blocks b of (float)d_a[b] * (float)d_b[b] * (sum over i of qa[b][i] * qb[b][i])
 * The integer sum of each block is exact for the whole int8 range (including -128); the float
 * accumulation order depends on the tier. Returns 0 for n_blocks <= 0. */
EGEMMA_API float egemma_q8_0_dot(const void *a, const void *b, int64_t n_blocks);

#ifdef __cplusplus
}
#endif

#endif /* EGEMMA_H */
