/* SPDX-License-Identifier: Apache-2.0 */
/* Row operations: RMSNorm and the fused GELU * up, portable versions (the scalar tier, and the reference of
 * rowops_avx512.c). Compiled without ISA flags (and without FP contraction), so that every result equals the Java
 * reference kernels' bit for bit: the work here is latency (a double sum in index order, as ggml's rms_norm) or a
 * table lookup, not arithmetic throughput. */

#include "egemma_internal.h"

void egemma_rms_norm_scalar(float *x, int64_t rows, int64_t n, const float *w, float eps) {
    int64_t r = 0;
    /* four rows at a time: four independent dependency chains, each summed in index order as ggml does */
    for (; r + 4 <= rows; r += 4) {
        float *x0 = x + r * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int64_t j = 0; j < n; j++) {
            s0 += (double)(x0[j] * x0[j]);
            s1 += (double)(x1[j] * x1[j]);
            s2 += (double)(x2[j] * x2[j]);
            s3 += (double)(x3[j] * x3[j]);
        }
        egemma_rms_scale_row(x0, n, w, s0, eps);
        egemma_rms_scale_row(x1, n, w, s1, eps);
        egemma_rms_scale_row(x2, n, w, s2, eps);
        egemma_rms_scale_row(x3, n, w, s3, eps);
    }
    for (; r < rows; r++) {
        float *xr = x + r * n;
        double s = 0;
        for (int64_t j = 0; j < n; j++) s += (double)(xr[j] * xr[j]);
        egemma_rms_scale_row(xr, n, w, s, eps);
    }
}

void egemma_gelu_mul_scalar(float *gate, const float *up, int64_t count, const float *table) {
    for (int64_t i = 0; i < count; i++) {
        const float x = gate[i];
        if (x <= -10.0f) gate[i] = 0.0f;
        else if (x >= 10.0f) gate[i] = x * up[i];
        else gate[i] = table[egemma_fp32_to_fp16(x)] * up[i];
    }
}
