/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the F32/F16/BF16 GEMM tiers (include/egemma.h, egemma_float_gemm): element widths, the exact
 * scalar widening of one weight, and the row chunking every tier uses. Nothing here is ABI. */
#ifndef EGEMMA_FLOAT_GEMM_H
#define EGEMMA_FLOAT_GEMM_H

#include "egemma_internal.h"

/* bytes of one weight element of type t (EGEMMA_TYPE_F32, _F16 or _BF16; validated by the dispatcher) */
static inline int64_t egemma_float_type_bytes(int32_t t) { return t == EGEMMA_TYPE_F32 ? 4 : 2; }

/* weight idx of a row of type t, widened exactly to float (BF16 is the top half of a binary32) */
static inline float egemma_float_weight(const uint8_t *row, int32_t t, int64_t idx) {
    if (t == EGEMMA_TYPE_F32) {
        float f;
        memcpy(&f, row + 4 * idx, sizeof f);
        return f;
    }
    const uint16_t h = egemma_load_u16(row + 2 * idx);
    if (t == EGEMMA_TYPE_F16) return egemma_fp16_to_fp32(h);
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Activation rows per pass over the weight columns of a call: as many as fit in ~256 KiB (they stay in L2 while each
 * register tile of weight rows, in L1, meets all of them), a multiple of `tile_rows`, at least one tile. */
static inline int64_t egemma_float_chunk_rows(int64_t k, int64_t tile_rows) {
    const int64_t rows = ((int64_t)256 * 1024 / (4 * k)) / tile_rows * tile_rows;
    return rows > tile_rows ? rows : tile_rows;
}

#endif /* EGEMMA_FLOAT_GEMM_H */
