// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;

/**
 * Activations quantized for the weight types of {@link BlockFormat}, exactly as ggml's x86 code quantizes them for
 * the type's {@code vec_dot_type}, one row after the other (a row's quants never depend on the other rows):
 * <ul>
 *   <li>Q8_0 (x86 {@code quantize_row_q8_0}): per 32 values {@code d = fp16(amax / 127)},
 *       {@code q = rint(x * (127 / amax))} (round half to even; all zero when amax is 0).</li>
 *   <li>Q8_1 (x86 {@code quantize_row_q8_1}): Q8_0's {@code d} and {@code q}, plus {@code s = fp16(amax / 127 * sum(q))}
 *       with the unrounded {@code amax / 127}.</li>
 *   <li>Q8_K ({@code quantize_row_q8_K_ref}, which x86 calls): per 256 values, {@code max} is the first value whose
 *       magnitude exceeds the running maximum, {@code iscale = -127 / max}, {@code q = min(127, rint(iscale * x))},
 *       {@code d = 1 / iscale} in fp32 (all zero when every value is 0), and the sum of each 16 quants.</li>
 * </ul>
 * {@code q} holds the int8 quants row-major; {@code d} one scale per block (fp16 scales already widened); {@code s}
 * (Q8_1 only) one per block; {@code bsums} (Q8_K only) one per 16 values. {@code qf} holds the quants again as floats
 * (exact), only when asked for (the Vector API kernels read them), else null, in groups of {@code group} rows: element
 * {@code e} of row {@code i} at {@code ((i / group) * cols + e) * group + i % group}, so row-major for a group of 1, and
 * for a wider group each element of a group's rows is one vector ({@link VectorQ8BlockDot}); the rows past the last one
 * up to a whole group are zeros. {@code dg} (with a group wider than 1, else null): {@code d} in the same groups, block
 * {@code b} of row {@code i} at {@code ((i / group) * (cols / block) + b) * group + i % group}, followed by 16 unused floats.
 */
record BlockActivations(GgmlType type, byte[] q, float[] d, float[] s, int[] bsums, float[] qf, float[] dg, int group, int rows, int cols)
        implements Activations {

    /** Without grouped floats ({@code qf} row-major or null). */
    BlockActivations(GgmlType type, byte[] q, float[] d, float[] s, int[] bsums, float[] qf, int rows, int cols) {
        this(type, q, d, s, bsums, qf, null, 1, rows, cols);
    }

    /**
     * Rows {@code [0, m)} of {@code a} (rows of {@code k}) quantized to {@code type} (Q8_0, Q8_1 or Q8_K), row ranges
     * split by {@code rows}, with the float copy of the quants in groups of {@code floatGroup} rows when that is positive
     * (0: none). The arrays of {@code reuse} (of whatever type: a file may mix Q8_0 and Q8_K products) serve again where
     * they are large enough, so that a thread running batch after batch stops allocating.
     */
    static BlockActivations quantize(float[] a, int m, int k, GgmlType type, BlockActivations reuse, Kernels.RowSplitter rows, int floatGroup) {
        int block = type.blockSize;
        if (k % block != 0) throw new IllegalArgumentException("row length " + k + " is not a multiple of " + type + "'s block of " + block);
        int group = Math.max(1, floatGroup), mg = (m + group - 1) / group * group;
        if ((long) mg * k > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("activations: " + m + " x " + k + " too large");
        int nb = k / block;
        byte[] q = reuse != null && reuse.q.length >= m * k ? reuse.q : new byte[m * k];
        float[] d = reuse != null && reuse.d.length >= m * nb ? reuse.d : new float[m * nb];
        float[] s = type != GgmlType.Q8_1 ? null : reuse != null && reuse.s != null && reuse.s.length >= m * nb ? reuse.s : new float[m * nb];
        int[] bsums = type != GgmlType.Q8_K ? null
                : reuse != null && reuse.bsums != null && reuse.bsums.length >= m * (k / 16) ? reuse.bsums : new int[m * (k / 16)];
        float[] qf = floatGroup <= 0 ? null : reuse != null && reuse.qf != null && reuse.qf.length >= mg * k ? reuse.qf : new float[mg * k];
        // dg: 16 floats of slack, so that a vector load of a group's block scales never runs past the end
        float[] dg = group == 1 ? null : reuse != null && reuse.dg != null && reuse.dg.length >= mg * nb + 16 ? reuse.dg : new float[mg * nb + 16];
        rows.split(m, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                for (int b = 0; b < nb; b++) {
                    int o = i * k + b * block, ib = i * nb + b;
                    switch (type) {
                        case Q8_0 -> q8_0(a, o, q, d, ib);
                        case Q8_1 -> s[ib] = q8_1(a, o, q, d, ib);
                        case Q8_K -> q8_K(a, o, q, d, ib, bsums, o / 16);
                        default -> throw new IllegalArgumentException(type + " is not an activation type");
                    }
                }
                if (qf != null) copyFloats(q, d, i, k, nb, group, qf, dg);
            }
        });
        if (qf != null) for (int i = m; i < mg; i++) clearRow(i, k, nb, group, qf, dg); // the rows that complete the last group
        return new BlockActivations(type, q, d, s, bsums, qf, dg, group, m, k);
    }

    /** Row {@code i}'s quants (and, in groups wider than 1, its scales) to their places in {@code qf} (and {@code dg}). */
    private static void copyFloats(byte[] q, float[] d, int i, int k, int nb, int group, float[] qf, float[] dg) {
        if (group == 1) {
            for (int j = i * k; j < (i + 1) * k; j++) qf[j] = q[j];
            return;
        }
        int lane = i % group, qBase = (i / group) * k * group + lane, dBase = (i / group) * nb * group + lane;
        for (int e = 0; e < k; e++) qf[qBase + e * group] = q[i * k + e];
        for (int b = 0; b < nb; b++) dg[dBase + b * group] = d[i * nb + b];
    }

    /** Zeros for row {@code i}, past the last row, in {@code qf} and {@code dg}. */
    private static void clearRow(int i, int k, int nb, int group, float[] qf, float[] dg) {
        int lane = i % group, qBase = (i / group) * k * group + lane, dBase = (i / group) * nb * group + lane;
        for (int e = 0; e < k; e++) qf[qBase + e * group] = 0f;
        for (int b = 0; b < nb; b++) dg[dBase + b * group] = 0f;
    }

    /** One Q8_0 block from {@code x[o..o+32)}: quants to {@code q[o..]}, scale to {@code d[ib]}. */
    static void q8_0(float[] x, int o, byte[] q, float[] d, int ib) {
        quantize32(x, o, amax32(x, o), q, d, ib);
    }

    /**
     * One Q8_1 block: Q8_0's quants and scale; returns {@code s = fp16(amax/127 * sum)} widened, the sum taken over the
     * int32 quants before they are packed to int8 (as x86's code does: it only differs when they saturate).
     */
    static float q8_1(float[] x, int o, byte[] q, float[] d, int ib) {
        float amax = amax32(x, o);
        int sum = quantize32(x, o, amax, q, d, ib);
        return Float.float16ToFloat(Float.floatToFloat16(amax / 127f * sum));
    }

    private static float amax32(float[] x, int o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        return amax;
    }

    /** {@code d = fp16(amax/127)}, {@code q = int8(cvtps(x * (127/amax)))}; returns the int32 quants' sum (wrapping, as vpaddd). */
    private static int quantize32(float[] x, int o, float amax, byte[] q, float[] d, int ib) {
        d[ib] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
        float id = amax != 0f ? 127f / amax : 0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int i = cvtps(x[o + j] * id);
            sum += i;
            q[o + j] = packToInt8(i);
        }
        return sum;
    }

    /**
     * x86's {@code cvtps2dq} after rounding to nearest even: the int32 of {@code v}, or INT_MIN (the "integer
     * indefinite") for NaN and values outside int32. A block whose amax is below 127/FLT_MAX makes {@code 127/amax}
     * infinite: ggml's AVX2 quantizer then gets INT_MIN (or, for zeros, NaN from 0*inf) in every lane.
     */
    static int cvtps(float v) {
        double r = Math.rint(v);
        return r >= -0x1p31 && r < 0x1p31 ? (int) r : Integer.MIN_VALUE;
    }

    /** {@code packssdw} then {@code packsswb}: int32 saturated to int8. */
    static byte packToInt8(int i) {
        return (byte) Math.max(-128, Math.min(127, i));
    }

    /** One Q8_K block from {@code x[o..o+256)}: quants to {@code q[o..]}, scale to {@code d[ib]}, 16-value sums to {@code bsums[bs..bs+16)}. */
    static void q8_K(float[] x, int o, byte[] q, float[] d, int ib, int[] bsums, int bs) {
        float max = 0f, amax = 0f;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[o + j]);
            if (ax > amax) {
                amax = ax;
                max = x[o + j];
            }
        }
        if (amax == 0f) {
            d[ib] = 0f;
            java.util.Arrays.fill(q, o, o + 256, (byte) 0);
            java.util.Arrays.fill(bsums, bs, bs + 16, 0);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) q[o + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[o + j]));
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += q[o + 16 * g + j];
            bsums[bs + g] = sum;
        }
        d[ib] = 1f / iscale;
    }
}
