/* SPDX-License-Identifier: Apache-2.0 */
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
#define EGEMMA_ABI_VERSION 9

/* ---- kernel tiers ---------------------------------------------------------------------------------
 * A tier is one translation unit compiled with its own flags. Within one architecture the tiers form a
 * chain (each needs everything the previous one needs): x86 scalar < avx2 < avx512 < amx,
 * ARM scalar < neon < neon_dotprod. */
#define EGEMMA_ISA_SCALAR       0 /* portable C, no flags */
#define EGEMMA_ISA_AVX2         1 /* -mavx2 -mfma -mf16c */
#define EGEMMA_ISA_AVX512       2 /* -mavx512f -mavx512bw -mavx512vl -mavx512vnni */
#define EGEMMA_ISA_AMX          3 /* -mamx-int8 -mamx-tile + the avx512 flags; needs arch_prctl(XTILEDATA) */
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

/* ---- Q8_0 GEMM: C[m x n] = A[m x k] * W[n x k]^T ---------------------------------------------------
 * Weights are repacked once (at model load) from ggml rows into records of 16 output columns x one 32-block:
 *   int8 q[8][16][4]  (quad r of the block, column c, byte t: weight k = 4r + t of column c; the B layout
 *                      of AMX TDPBSSD and of VNNI/dotprod on a broadcast of 4 activation bytes)
 * A column group is its k/32 records in block order, then their scales, uint16 d[k/32][16] (the columns' fp16 bits,
 * as in the GGUF), padded with zeros to a multiple of 64 bytes; groups follow each other, the last one padded with
 * zero columns. So every record is 64-byte aligned and the packed form costs 1.0625 bytes a weight (k a multiple of
 * 64), as the Q8_0 rows themselves. The caller allocates the buffer (egemma_q8_0_pack_size bytes,
 * EGEMMA_Q8_0_PACK_ALIGN-aligned); C only fills it.
 *
 * Activations are quantized per 32-block as ggml's x86 quantize_row_q8_0 does: amax = max |x|,
 * d = fp16(amax / 127) (round to nearest even), q = round-half-even(x * (127 / amax)) (0 when amax = 0), so
 * q lies in [-127, 127] (the AVX2 tier relies on q != -128). They are kept as int8 qa[m_pad][k] and
 * float da[m_pad][k/32] (d widened from its fp16 value), m_pad = m rounded up to EGEMMA_Q8_0_ROW_PAD; the
 * pad rows are zero (the AMX tier loads 16-row tiles).
 *
 * Per output, the exact int32 dot of each block's quants is scaled by d_w * d_a (exact in float) and summed in
 * block order. Two float orders, chosen per call by `order`:
 *  - EGEMMA_Q8_0_ORDER_X86: llama.cpp's x86 kernel (llamafile tinyBLAS_Q0_AVX), the same bits as llama.cpp on x86:
 *    eight float lanes per output, lane l of a block the exact sum of products 4l..4l+3,
 *    lane_l = fma(d_w * d_a, lane_int, lane_l) per block, then ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). The scalar,
 *    AVX2, AVX-512 and AMX tiers compute it; the NEON tiers have no such kernel and sum in block order.
 *  - EGEMMA_Q8_0_ORDER_BLOCK: one accumulator, acc = fma((float)isum, d_w * d_a, acc) per block: the same bits on
 *    every tier (scalar, AVX2, AVX-512 VNNI, AMX tiles, NEON, NEON dotprod), within a few ulps of the sum of |terms|
 *    of the x86 order (bounds derived in native/test/test_gemm.c), and faster: the x86 order converts and scales
 *    eight lanes per block, this order one (AVX-512 VNNI here: ~1.7x the GOPS). */
#define EGEMMA_Q8_0_ORDER_X86 0
#define EGEMMA_Q8_0_ORDER_BLOCK 1
#define EGEMMA_Q8_0_PACK_COLS 16
#define EGEMMA_Q8_0_PACK_RECORD_BYTES 512
#define EGEMMA_Q8_0_PACK_SCALE_BYTES 32
#define EGEMMA_Q8_0_PACK_ALIGN 64
#define EGEMMA_Q8_0_ROW_PAD 32

/* Bytes of the packed form of n rows of k weights (k a multiple of 32), or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int64_t egemma_q8_0_pack_size(int64_t n, int64_t k);

/* Repacks n ggml Q8_0 rows of k weights (row j at w + j * (k/32) * 34 bytes) into dst (pack_size bytes,
 * 64-byte aligned). Rows [j0, j1) only, so that the caller can split the work; j0 must be a multiple of
 * EGEMMA_Q8_0_PACK_COLS and j1 one too or n (the call with j1 = n also zeroes the pad columns). Returns 0 or
 * EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_q8_0_pack(const void *w, int64_t n, int64_t k, int64_t j0, int64_t j1, void *dst);

/* Quantizes rows [i0, i1) of x (m_pad rows of k floats would be the whole; row i at x + i*k) into qa and da
 * (laid out as above for the full m_pad rows). Rows of x past the real row count must not be passed: the
 * caller leaves pad rows zero (a fresh zeroed buffer). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_q8_0_quantize(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da);

/* Bytes of working memory egemma_q8_0_gemm needs for m rows of k (at most 64 x k + 16 x k + 64, whatever m), or
 * EGEMMA_ERR_BAD_ARGUMENT. The caller keeps one such buffer per thread: the library allocates nothing. */
EGEMMA_API int64_t egemma_q8_0_gemm_scratch_size(int64_t m, int64_t k);

/* One tile of C: c[i * ldc + j] for rows 0 <= i < m and columns n0 <= j < n1 (other entries untouched) from
 * activations (qa, da: m_pad rows as above, pad rows zero) and packed weights of n columns. Needs
 * 0 <= n0 <= n1 <= n, ldc >= n1, and scratch: scratch_bytes >= egemma_q8_0_gemm_scratch_size(m, k) bytes of
 * working memory that no other call uses at the same time (any alignment; contents are not kept), and order one of
 * EGEMMA_Q8_0_ORDER_X86 and EGEMMA_Q8_0_ORDER_BLOCK (above). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT (sizes,
 * misaligned packed, scratch too small, unknown order). */
EGEMMA_API int32_t egemma_q8_0_gemm(const int8_t *qa, const float *da, int64_t m, int64_t k, const void *packed, int64_t n, int64_t n0, int64_t n1, float *c, int64_t ldc, void *scratch, int64_t scratch_bytes, int32_t order);

/* ---- Q4_1 / Q5_1: the Q8_0 GEMM plus a min term ------------------------------------------------------------
 * Their weights are d*q + m per 32-block (q unsigned, 4 or 5 bits): the caller expands q to Q8_0 blocks (d kept) and
 * runs egemma_q8_0_gemm in block order, which computes the acc of the block order; the activations' Q8_1 form is
 * egemma_q8_0_quantize's quants and scales plus a sum per block, and the min term is a second accumulator
 * accMin = fma(m_w, s_a, accMin) per block, added at the end (dev.egemma.kernels.java.BlockDot, Min.FLOAT). */

/* s of ggml's x86 quantize_row_q8_1 for rows [i0, i1) of x (row i at x + i*k), one float per 32-block at
 * sa[i * (k/32) + b]: fp16(amax/127 * sum of the block's int32 quants) widened (a quant being x86's cvtps2dq of
 * rint(x * (127/amax)), INT_MIN outside int32, the sum wrapping as vpaddd). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_q8_1_sums(const float *x, int64_t k, int64_t i0, int64_t i1, float *sa);

/* Adds the min term to a tile of block-order products: for rows 0 <= i < m and columns n0 <= j < n1,
 * c[i*ldc + j] = c[i*ldc + j] + accMin, accMin = fma(mw[b*ldm + j], sa[i*nb + b], accMin) over b < nb from 0
 * (mw: the weights' float mins block-major, nb rows of ldm >= n1 columns; sa: m x nb activation sums). Returns 0 or
 * EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_add_min_term(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb);

/* ---- super-block GEMM ("kq"): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS weights, Q8_K activations ---------------
 * The caller unpacks the weights into integers (dev.egemma.kernels.java.BlockFormat: ggml's dequantize_row_* made
 * integer): per element an int8 quant q, per sub-block of `sub` elements (16 or 32) an int8 scale sc and, in the
 * formats with mins, an int8 min mn; per 256-element super-block a float d and (with mins) dmin. The value of an
 * element is d*sc*q - dmin*mn. The format names the sub-block width and whether there are mins:
 *   SUB16: Q3_K, Q6_K    SUB16_MIN: Q2_K    SUB32: IQ4_XS    SUB32_MIN: Q4_K, Q5_K
 * Activations, Q8_K (egemma_q8_k_quantize): per 256 elements a float d_a, int8 quants and the int16 sum of each 16.
 * Per output and super-block b, the block order: isum = sum over sub-blocks j of sc_j * (sum of q*a over j), exact
 * int32 (wrapping, as Java's int); acc = fma((float)isum, d_w*d_a, acc); with mins also msum = sum over j of
 * mn_j * (sum of a over j) and accMin = fma((float)msum, dmin_w*d_a, accMin); the result is acc, or acc - accMin.
 * The same bits on every tier, and as BlockDot.
 *
 * Packed layout, per 16 output columns (a group) and super-block, one record of egemma_kq_pack_size(format, 16, 256)
 * bytes (a multiple of 64): the quants as 8 Q8_0-style records (512 bytes each: 32-element chunk r, quad l,
 * column c, byte t at r*512 + l*64 + c*4 + t), then the scales int8 sc[256/sub][16], then int32 corr[16]
 * (128 * sum over j of sc_j * sum of q over j: the AVX-512 tier's correction of its a+128 bias), then float d[16];
 * with mins, then int16 mn[8][16][2] (the mins of the 16-element halves 2p and 2p+1, paired for vpdpwssd) and float
 * dmin[16]. A group's records follow in super-block order, groups follow each other, the last padded with zero
 * columns. The caller allocates (EGEMMA_Q8_0_PACK_ALIGN-aligned) and validates; C fills. */
#define EGEMMA_QK_K 256
#define EGEMMA_KQ_SUB16 0
#define EGEMMA_KQ_SUB16_MIN 1
#define EGEMMA_KQ_SUB32 2
#define EGEMMA_KQ_SUB32_MIN 3

/* Bytes of the packed form of n rows of k (a multiple of 256) in format, or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int64_t egemma_kq_pack_size(int32_t format, int64_t n, int64_t k);

/* Packs rows [j0, j0 + rows) of an n-row matrix from their unpacked arrays (for those rows only: q[rows][k],
 * sc[rows][k/sub], mn[rows][k/sub] or NULL without mins, d[rows][k/256], dmin[rows][k/256] or NULL) into dst (the
 * whole matrix's buffer). j0 a multiple of 16, and rows one too unless j0 + rows = n (that call also fills the pad
 * columns). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_kq_pack(int32_t format, const int8_t *q, const int8_t *sc, const int8_t *mn, const float *d, const float *dmin, int64_t j0, int64_t rows, int64_t n, int64_t k, void *dst);

/* ggml's quantize_row_q8_K_ref (which x86 uses) for rows [i0, i1) of x: per 256 values max = the first value of the
 * largest magnitude, iscale = -127/max, q = min(127, (int) rint(iscale*x)) (Java's int conversion: NaN 0, saturating),
 * stored as its low byte, d = 1/iscale (all zero when every value is 0), bsums = the sums of 16 quants. qa[i*k + e],
 * da[i*(k/256) + b], bsums[i*(k/16) + s]. Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_q8_k_quantize(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums);

/* One tile of C from packed weights (format, n columns) and Q8_K activations of m rows (no padding needed): c[i*ldc+j]
 * for i < m, n0 <= j < n1. scratch: at least egemma_q8_0_gemm_scratch_size(m, k) bytes used by no other call at the
 * same time. Returns 0 or EGEMMA_ERR_BAD_ARGUMENT (sizes, format, misaligned packed, scratch too small). */
EGEMMA_API int32_t egemma_kq_gemm(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k, const void *packed, int64_t n, int64_t n0, int64_t n1, float *c, int64_t ldc, void *scratch, int64_t scratch_bytes);

/* ---- F32 / F16 / BF16 GEMM: C[m x n] = A[m x k] * W[n x k]^T, W rows straight from the GGUF ---------------
 * Weight element types, numbered as ggml's type enum (and GGUF's tensor types). Weights are little-endian rows of k
 * elements (row j at w + j * k * element size; any alignment); F16 (IEEE binary16) and BF16 are widened exactly to
 * float before they are multiplied. */
#define EGEMMA_TYPE_F32 0
#define EGEMMA_TYPE_F16 1
#define EGEMMA_TYPE_BF16 30

/* One tile of C: c[i * ldc + j] = dot(row i of a (a + i*k floats), row j of w) for rows 0 <= i < m and columns
 * n0 <= j < n1 (other entries untouched), in llama.cpp's x86 F32 order, the same bits on every tier and as
 * dev.egemma.kernels.java.ScalarKernels#matmulFloat: when k is a multiple of 16, llamafile's tinyBLAS (one 16-lane
 * fused accumulator per output over the whole row, element l in lane l mod 16, then _mm512_reduce_add_ps's order);
 * otherwise ggml_vec_dot_f32 (64-element chunks in four 16-lane fused accumulators, unfused tail). Needs
 * 0 <= n0 <= n1 <= n, ldc >= n1. Returns 0 or EGEMMA_ERR_BAD_ARGUMENT (sizes, unknown wtype). */
EGEMMA_API int32_t egemma_float_gemm(const float *a, int64_t m, int64_t k, const void *w, int32_t wtype, int64_t n, int64_t n0, int64_t n1, float *c, int64_t ldc);

/* ---- row operations (the numerics of ggml's CPU ops and of the Java reference kernels) ----------------- */

/* Size of the GELU table egemma_gelu_mul reads: one float per fp16 bit pattern. */
#define EGEMMA_GELU_TABLE_SIZE 65536

/* RMSNorm in place of rows rows of n floats (row r at x + r*n), as ggml's rms_norm followed by mul:
 * sum of (float)(x*x) accumulated in double in index order, mean = (float)(sum/n),
 * scale = 1.0f/sqrtf(mean + eps), x = (x*scale)*w[j]. Rows are interleaved four at a time (independent sums, the
 * same bits). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_rms_norm(float *x, int64_t rows, int64_t n, const float *w, float eps);

/* gate[i] = gelu(gate[i]) * up[i] for i < count, GELU through a table indexed by the fp16 bits of gate[i]
 * (rounded to nearest even), as ggml_vec_geglu_f32: 0 for x <= -10, x * up for x >= 10. table holds
 * EGEMMA_GELU_TABLE_SIZE floats (ggml_table_gelu_f16 widened), built by the caller. Returns 0 or
 * EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_gelu_mul(float *gate, const float *up, int64_t count, const float *table);

/* Bidirectional attention of the heads query heads that share one KV head, over one sequence of tokens tokens, q and
 * k already normed, roped and scaled, bit for bit as dev.egemma.kernels.java.ScalarKernels#attention of each head
 * (llama.cpp's order on an AVX-512 build): for each query i, the keys j with |i - j| <= half_window (all keys when
 * half_window < 0) get scores s_j = ggml_vec_dot_f32(k_j, q_i) (64-element chunks in four 16-lane fused accumulators,
 * unfused tail), softmax as ggml_vec_soft_max_f32 on AVX-512 (ggml_v_expf on the first 16*floor(tokens/16) keys of
 * the row, (float)exp(double) on the rest, 16-key chunk sums in double), p_j *= (float)(1/sum), then out_i[d] =
 * ggml_vec_dot_f32 over the full row of tokens keys of (v[.][d], p) with the masked keys' zero terms skipped.
 * Row t of head h starts at q + t*q_stride + h*head_dim (likewise out, h*head_dim_v); k and v: the KV head's rows.
 * Only the queries q0 <= i < q1 (0 <= q0 <= q1 <= tokens) are computed, every key still visible to them, and rows of
 * out outside that range are untouched: callers split a long sequence's queries over threads, and a query's bits do
 * not depend on the range or the heads it was computed with.
 * scratch: egemma_attention_scratch_size(tokens, head_dim, head_dim_v) floats (the score rows of a tile of queries and
 * their P.V sums, and aligned copies of those queries and of the V rows they see: linear in tokens). Returns 0 or
 * EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_attention(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride, int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads, int64_t half_window, int64_t q0, int64_t q1, float *scratch);

/* Floats of scratch egemma_attention needs for a sequence of tokens tokens (-1 for a negative or overflowing count,
 * or dims <= 0): tokens * (33 + head_dim_v) + 32 * (1024 + head_dim) + 32, ~2.3 MiB at 2,048 tokens of
 * EmbeddingGemma's 256-wide heads. */
EGEMMA_API int64_t egemma_attention_scratch_size(int64_t tokens, int64_t head_dim, int64_t head_dim_v);

/* NEOX RoPE in place, as dev.egemma.kernels.java.ScalarKernels#ropeNeox (ggml's rotate_pairs contracted by GCC):
 * for token t < tokens and head h < heads, the head's head_dim floats at x + t*row_stride + h*head_dim have each
 * pair (i, i + head_dim/2), i < head_dim/2, rotated with c = cos_t[t*(head_dim/2) + i], s = sin_t[...]:
 * x0' = fmaf(x0, c, -(x1*s)), x1' = fmaf(x0, s, x1*c); then every element times scale unless scale == 1.
 * cos_t and sin_t hold tokens*(head_dim/2) floats each. Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_rope_neox(float *x, int64_t tokens, int64_t row_stride, int64_t heads, int64_t head_dim, const float *cos_t, const float *sin_t, float scale);

/* Mean pooling as llama.cpp (a product by a column of weights): out[j] = ggml_vec_dot_f32 over t < tokens of
 * (x[t*n + j], w[t]) in the AVX-512 order (64-token chunks in four 16-lane fused accumulators, unfused tail), for
 * j < n. w: tokens floats, each 1.0f/tokens for the mean. Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_mean_pool(const float *x, int64_t tokens, int64_t n, const float *w, float *out);

/* L2 normalization in place of n floats: the squares (float products) summed in double in index order, then
 * x[j] *= (float)(1/sqrt(sum)) (0 when the sum is 0). Returns 0 or EGEMMA_ERR_BAD_ARGUMENT. */
EGEMMA_API int32_t egemma_l2_normalize(float *x, int64_t n);

/* ---- one entry point for every function above but egemma_q8_0_dot (a binding's way in)
 * egemma_call(fn, p0..p5, i0..i10, f0) calls function fn (an EGEMMA_FN_* below) with its pointer parameters taken
 * from p0, p1, ... in the order it declares them, its integer parameters (int32_t ones too) from i0, i1, ... in order,
 * and its float parameter from f0; the arguments it does not take are ignored. Returns the function's result widened
 * to int64_t (the address for the two that return a string), or EGEMMA_ERR_BAD_ARGUMENT for an unknown fn.
 * Why: a JVM generates and loads a class for every distinct signature it links a downcall for (~5 ms each in a cold
 * JVM, more on 2 vCPUs while the JIT compiles; the header has ~20 signatures). Through this one signature a process
 * links one, and a cold start's first vector comes that much sooner. */
#define EGEMMA_FN_VERSION                 0
#define EGEMMA_FN_ABI_VERSION             1
#define EGEMMA_FN_CPU_FEATURES            2
#define EGEMMA_FN_CAPS                    3
#define EGEMMA_FN_ACTIVE_ISA              4
#define EGEMMA_FN_SET_ISA_LIMIT           5
#define EGEMMA_FN_ISA_NAME                6
#define EGEMMA_FN_Q8_0_PACK_SIZE          7
#define EGEMMA_FN_Q8_0_PACK               8
#define EGEMMA_FN_Q8_0_QUANTIZE           9
#define EGEMMA_FN_Q8_0_GEMM_SCRATCH_SIZE 10
#define EGEMMA_FN_Q8_0_GEMM              11
#define EGEMMA_FN_Q8_1_SUMS              12
#define EGEMMA_FN_ADD_MIN_TERM           13
#define EGEMMA_FN_KQ_PACK_SIZE           14
#define EGEMMA_FN_KQ_PACK                15
#define EGEMMA_FN_Q8_K_QUANTIZE          16
#define EGEMMA_FN_KQ_GEMM                17
#define EGEMMA_FN_FLOAT_GEMM             18
#define EGEMMA_FN_RMS_NORM               19
#define EGEMMA_FN_GELU_MUL               20
#define EGEMMA_FN_ATTENTION_SCRATCH_SIZE 21
#define EGEMMA_FN_ATTENTION              22
#define EGEMMA_FN_ROPE_NEOX              23
#define EGEMMA_FN_MEAN_POOL              24
#define EGEMMA_FN_L2_NORMALIZE           25
EGEMMA_API int64_t egemma_call(int32_t fn, void *p0, void *p1, void *p2, void *p3, void *p4, void *p5, int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t i4, int64_t i5, int64_t i6, int64_t i7, int64_t i8, int64_t i9, int64_t i10, float f0);

#ifdef __cplusplus
}
#endif

#endif /* EGEMMA_H */
