package dev.egemma.kernels.java;

import dev.egemma.kernels.Activations;

/**
 * Activations quantized to Q8_0 as ggml's x86 {@code quantize_row_q8_0} does. The int8 values are kept as
 * floats ({@code q}, row-major, exact small integers) so the vector kernels load them without a conversion;
 * {@code d} holds one scale per 32-block (already rounded through fp16).
 */
record Q8Rows(float[] q, float[] d, float[] dq, int rows, int cols) implements Activations {

    static final int QK = 32;

    static Q8Rows quantize(float[] a, int m, int k) {
        return quantize(a, m, k, null);
    }

    /** As {@link #quantize(float[], int, int)}, in the arrays of {@code reuse} when they are large enough. */
    static Q8Rows quantize(float[] a, int m, int k, Q8Rows reuse) {
        if (k % QK != 0) throw new IllegalArgumentException("row length " + k + " is not a multiple of " + QK);
        int nb = k / QK;
        boolean fits = reuse != null && reuse.q.length >= m * k && reuse.d.length >= m * nb && reuse.dq.length >= m * k;
        float[] q = fits ? reuse.q : new float[m * k];
        float[] d = fits ? reuse.d : new float[m * nb];
        for (int i = 0; i < m; i++) quantizeRow(a, i * k, nb, q, d, i * nb);
        float[] dq = fits ? reuse.dq : new float[m * k];
        for (int i = 0; i < m * nb; i++)
            for (int j = 0; j < QK; j++) dq[i * QK + j] = q[i * QK + j] * d[i];
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
