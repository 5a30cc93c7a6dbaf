// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

/**
 * The block order: the dot of a weight row of a {@link BlockFormat} type with a row of {@link BlockActivations}, the
 * same bits on every backend and CPU. Per block {@code b}, in order:
 * <pre>
 *   isum = sum over its sub-blocks j of sc[j] * (sum of q[e] * a[e] over j)             exact int32
 *   acc  = fma((float) isum, d_w[b] * d_a[b], acc)
 *   Min.INT   (K-quants with mins): msum = sum over j of mn[j] * (sum of a[e] over j)     exact int32 (Q8_K's bsums)
 *                                   accMin = fma((float) msum, dmin_w[b] * d_a[b], accMin)
 *   Min.FLOAT (Q4_1, Q5_1):         accMin = fma(m_w[b], s_a[b], accMin)
 * </pre>
 * and the result is {@code acc - accMin} (Min.INT), {@code acc + accMin} (Min.FLOAT) or {@code acc}. Every integer
 * is exact whatever the order of its terms, so a SIMD version only has to keep the float operations as written.
 * This class is the scalar reference; {@link VectorBlockDot} is the Vector API version.
 */
final class BlockDot {
    private BlockDot() {}

    /** Dot of the unpacked weight row {@code w} (of format {@code f}) with activation row {@code row} of {@code a}. */
    static float dot(BlockFormat f, BlockFormat.Unpacked w, BlockActivations a, int row) {
        int k = a.cols(), block = f.block(), nb = k / block, subs = block / f.sub;
        byte[] aq = a.q();
        int qo = row * k;
        float acc = 0f, accMin = 0f;
        for (int b = 0; b < nb; b++) {
            int isum = 0;
            for (int j = 0; j < subs; j++) {
                int e0 = b * block + j * f.sub, dot = 0;
                for (int l = 0; l < f.sub; l++) dot += w.q[e0 + l] * aq[qo + e0 + l];
                isum += w.sc[b * subs + j] * dot;
            }
            int ib = row * nb + b;
            acc = accumulate(w, a, b, ib, isum, acc);
            accMin = accumulateMin(f, w, a, b, ib, f.min == BlockFormat.Min.INT ? minSum(f, w.mn, a.bsums(), row, k, b) : 0, accMin);
        }
        return result(f, acc, accMin);
    }

    /** {@code acc = fma((float) isum, d_w * d_a, acc)} for block {@code b} of the weights, block {@code ib} of the activations. */
    static float accumulate(BlockFormat.Unpacked w, BlockActivations a, int b, int ib, int isum, float acc) {
        return Math.fma((float) isum, w.d[b] * a.d()[ib], acc);
    }

    /** The min term's accumulator after block {@code b} (activation block {@code ib}); unchanged for types without mins. */
    static float accumulateMin(BlockFormat f, BlockFormat.Unpacked w, BlockActivations a, int b, int ib, int msum, float accMin) {
        return switch (f.min) {
            case NONE -> accMin;
            case INT -> Math.fma((float) msum, w.dm[b] * a.d()[ib], accMin);
            case FLOAT -> Math.fma(w.dm[b], a.s()[ib], accMin);
        };
    }

    /** The dot from the two accumulators. */
    static float result(BlockFormat f, float acc, float accMin) {
        return switch (f.min) {
            case NONE -> acc;
            case INT -> acc - accMin;
            case FLOAT -> acc + accMin;
        };
    }

    /**
     * The min sum of block {@code b} of activation row {@code row} (rows of {@code k}): the sum over its sub-blocks j of
     * {@code mn[j]} times the sum of the sub-block's Q8_K quants, taken from their sums of 16 ({@code bsums}).
     */
    static int minSum(BlockFormat f, int[] mn, int[] bsums, int row, int k, int b) {
        int subs = f.block() / f.sub, j0 = b * subs, g0 = (row * k + b * f.block()) / 16, msum = 0;
        if (f.sub == 16) for (int j = 0; j < subs; j++) msum += mn[j0 + j] * bsums[g0 + j];
        else for (int j = 0; j < subs; j++) msum += mn[j0 + j] * (bsums[g0 + 2 * j] + bsums[g0 + 2 * j + 1]);
        return msum;
    }

    /** {@code out[i * ldOut + n]} for every activation row {@code i} and weight rows {@code n0 <= n < n1}, the weights unpacked once per row. */
    static void matmul(BlockFormat f, BlockActivations a, java.lang.foreign.MemorySegment data, long rowBytes, int n0, int n1,
                       float[] out, int ldOut, BlockFormat.Unpacked w) {
        for (int n = n0; n < n1; n++) {
            w.row(f, data, rowBytes, n, a.cols());
            for (int i = 0; i < a.rows(); i++) out[i * ldOut + n] = dot(f, w, a, i);
        }
    }
}
