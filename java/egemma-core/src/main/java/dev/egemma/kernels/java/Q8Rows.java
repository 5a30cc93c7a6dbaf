// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;

/**
 * Activations quantized to Q8_0 as ggml's x86 {@code quantize_row_q8_0} does. The int8 values are kept as
 * floats ({@code q}, row-major, exact small integers) so the vector kernels load them without a conversion;
 * {@code d} holds one scale per 32-block (already rounded through fp16); {@code dq} is null unless asked for.
 */
record Q8Rows(float[] q, float[] d, float[] dq, int rows, int cols) implements Activations {

    static final int QK = 32;

    /** Quantized with the dequantized copy {@code dq}. */
    static Q8Rows quantize(float[] a, int m, int k) {
        return quantize(a, m, k, null, Kernels.SERIAL, true);
    }

    /**
     * Rows {@code [0, m)} of {@code a} quantized (row ranges split by {@code rows}), in the arrays of {@code reuse}
     * when they are large enough. {@code dq = q * d} is only filled when {@code dequantized} (only the fast Vector
     * API product reads it), else null.
     */
    static Q8Rows quantize(float[] a, int m, int k, Q8Rows reuse, Kernels.RowSplitter rows, boolean dequantized) {
        if (k % QK != 0) throw new IllegalArgumentException("row length " + k + " is not a multiple of " + QK);
        int nb = k / QK;
        boolean fits = reuse != null && reuse.q.length >= m * k && reuse.d.length >= m * nb;
        float[] q = fits ? reuse.q : new float[m * k];
        float[] d = fits ? reuse.d : new float[m * nb];
        float[] dq = !dequantized ? null : reuse != null && reuse.dq != null && reuse.dq.length >= m * k ? reuse.dq : new float[m * k];
        rows.split(m, (r0, r1) -> {
            for (int i = r0; i < r1; i++) quantizeRow(a, i * k, nb, q, d, i * nb);
            if (dq != null)
                for (int i = r0 * nb; i < r1 * nb; i++)
                    for (int j = 0; j < QK; j++) dq[i * QK + j] = q[i * QK + j] * d[i];
        });
        return new Q8Rows(q, d, dq, m, k);
    }

    /** One row: amax per block, d = amax/127 stored as fp16, q = rint(x * (127/amax)) (half to even). */
    static void quantizeRow(float[] x, int off, int nb, float[] q, float[] d, int dOff) {
        for (int b = 0; b < nb; b++) {
            int o = off + b * QK;
            float amax = 0f;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            d[dOff + b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < QK; j++) q[o + j] = (float) Math.rint(x[o + j] * id);
        }
    }
}
