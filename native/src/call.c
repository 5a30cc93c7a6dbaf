/* SPDX-License-Identifier: Apache-2.0 */
/* egemma_call (include/egemma.h): every function of the header but egemma_q8_0_dot behind one signature, so that a
 * JVM links one downcall handle (one generated class) rather than one per signature. Each case passes the function's
 * pointer parameters from p0.. and its integer parameters from i0.. in the order the function declares them. */
#include <stdint.h>

#include "egemma.h"

EGEMMA_API int64_t egemma_call(int32_t fn, void *p0, void *p1, void *p2, void *p3, void *p4, void *p5, int64_t i0, int64_t i1, int64_t i2,
                               int64_t i3, int64_t i4, int64_t i5, int64_t i6, int64_t i7, int64_t i8, int64_t i9, int64_t i10, float f0) {
    switch (fn) {
    case EGEMMA_FN_VERSION: return (int64_t)(intptr_t)egemma_version();
    case EGEMMA_FN_ABI_VERSION: return egemma_abi_version();
    case EGEMMA_FN_CPU_FEATURES: return egemma_cpu_features();
    case EGEMMA_FN_CAPS: return egemma_caps();
    case EGEMMA_FN_ACTIVE_ISA: return egemma_active_isa();
    case EGEMMA_FN_SET_ISA_LIMIT: return egemma_set_isa_limit((int32_t)i0);
    case EGEMMA_FN_ISA_NAME: return (int64_t)(intptr_t)egemma_isa_name((int32_t)i0);
    case EGEMMA_FN_Q8_0_PACK_SIZE: return egemma_q8_0_pack_size(i0, i1);
    case EGEMMA_FN_Q8_0_PACK: return egemma_q8_0_pack(p0, i0, i1, i2, i3, p1);
    case EGEMMA_FN_Q8_0_QUANTIZE: return egemma_q8_0_quantize(p0, i0, i1, i2, p1, p2);
    case EGEMMA_FN_Q8_0_GEMM_SCRATCH_SIZE: return egemma_q8_0_gemm_scratch_size(i0, i1);
    case EGEMMA_FN_Q8_0_GEMM: return egemma_q8_0_gemm(p0, p1, i0, i1, p2, i2, i3, i4, p3, i5, p4, i6, (int32_t)i7);
    case EGEMMA_FN_Q8_1_SUMS: return egemma_q8_1_sums(p0, i0, i1, i2, p1);
    case EGEMMA_FN_ADD_MIN_TERM: return egemma_add_min_term(p0, i0, i1, i2, i3, p1, i4, p2, i5);
    case EGEMMA_FN_KQ_PACK_SIZE: return egemma_kq_pack_size((int32_t)i0, i1, i2);
    case EGEMMA_FN_KQ_PACK: return egemma_kq_pack((int32_t)i0, p0, p1, p2, p3, p4, i1, i2, i3, i4, p5);
    case EGEMMA_FN_Q8_K_QUANTIZE: return egemma_q8_k_quantize(p0, i0, i1, i2, p1, p2, p3);
    case EGEMMA_FN_KQ_GEMM: return egemma_kq_gemm((int32_t)i0, p0, p1, p2, i1, i2, p3, i3, i4, i5, p4, i6, p5, i7);
    case EGEMMA_FN_FLOAT_GEMM: return egemma_float_gemm(p0, i0, i1, p1, (int32_t)i2, i3, i4, i5, p2, i6);
    case EGEMMA_FN_RMS_NORM: return egemma_rms_norm(p0, i0, i1, p1, f0);
    case EGEMMA_FN_GELU_MUL: return egemma_gelu_mul(p0, p1, i0, p2);
    case EGEMMA_FN_ATTENTION_SCRATCH_SIZE: return egemma_attention_scratch_size(i0, i1, i2);
    case EGEMMA_FN_ATTENTION: return egemma_attention(p0, p1, p2, p3, i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, p4);
    case EGEMMA_FN_ROPE_NEOX: return egemma_rope_neox(p0, i0, i1, i2, i3, p1, p2, f0);
    case EGEMMA_FN_MEAN_POOL: return egemma_mean_pool(p0, i0, i1, p1, p2);
    case EGEMMA_FN_L2_NORMALIZE: return egemma_l2_normalize(p0, i0);
    default: return EGEMMA_ERR_BAD_ARGUMENT;
    }
}
