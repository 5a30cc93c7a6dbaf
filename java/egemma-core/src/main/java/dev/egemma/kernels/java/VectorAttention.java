// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScalarKernels#attention} on the Vector API, bit for bit: the same float operations per value, only
 * several values at a time.
 * <ul>
 * <li>K.q ({@code ggml_vec_dot_f32} over the head): its 64 accumulators ({@code acc[e]} for element {@code e mod 64}
 * of each 64-chunk) are {@code 64/L} vectors, reduced as the scalar code reduces them (lane-wise adds, then
 * {@link GgmlF32#reduce16}, which is {@link VectorKernels#hsum}'s fold order), the tail added one by one;</li>
 * <li>P.V ({@link ScalarKernels#rowDot} for every output dimension {@code d}): run for {@code L} consecutive
 * {@code d} at once, each lane one {@code d}, so every lane does exactly the scalar sequence (the 64 position
 * accumulators live in a small scratch of 64 vectors, only when the row has 64 keys or more);</li>
 * <li>the softmax itself stays scalar ({@link GgmlExp#softmax}).</li>
 * </ul>
 * Scalar code handles head sizes that are not a multiple of {@code L} (the leftover dimensions of P.V).
 */
final class VectorAttention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Each thread's 64 position accumulators of {@code L} dimensions each (P.V of rows of 64+ keys). */
    private static final ThreadLocal<float[]> SLOTS = ThreadLocal.withInitial(() -> new float[64 * L]);

    private VectorAttention() {}

    static void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                          int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow, int queryFrom, int queryTo) {
        java.util.Objects.checkFromToIndex(queryFrom, queryTo, tokens);
        int g = head / (nHead / nHeadKv);
        int qStride = nHead * headDim, kStride = nHeadKv * headDim, vStride = nHeadKv * headDimV, oStride = nHead * headDimV;
        float[] p = ScalarKernels.rowScratch(tokens);
        float[] slots = SLOTS.get();
        int vBase = rowOff * vStride + g * headDimV;
        for (int i = queryFrom; i < queryTo; i++) {
            int lo = ScalarKernels.firstKey(i, halfWindow), hi = ScalarKernels.lastKey(i, tokens, halfWindow);
            int qo = (rowOff + i) * qStride + head * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = lo; j <= hi; j++) {
                float s = vecDot(k, (rowOff + j) * kStride + g * headDim, q, qo, headDim);
                p[j] = s;
                max = Math.max(max, s);
            }
            float inv = GgmlExp.softmax(p, lo, hi, tokens, max);
            for (int j = lo; j <= hi; j++) p[j] *= inv;
            int oo = (rowOff + i) * oStride + head * headDimV;
            int d = 0;
            for (; d + L <= headDimV; d += L) rowDots(v, vBase + d, vStride, p, lo, hi, tokens, slots, out, oo + d);
            for (; d < headDimV; d++) out[oo + d] = ScalarKernels.rowDot(v, vBase + d, vStride, p, lo, hi, tokens, slots);
        }
    }

    /** {@link GgmlF32#vecDot} with unit strides. */
    static float vecDot(float[] x, int xo, float[] y, int yo, int n) {
        int np = n & ~63;
        float sum = 0f;
        if (np > 0) sum = L == 8 ? chunks8(x, xo, y, yo, np) : chunks16(x, xo, y, yo, np);
        for (int i = np; i < n; i++) sum += x[xo + i] * y[yo + i];
        return sum;
    }

    /*
     * The 64 accumulators (acc[e] for element e mod 64 of each chunk) as 64/L vectors in locals (an array of vectors
     * would box them), reduced as ggml_vec_dot_f32 does: acc[l] += acc[32+l], acc[16+l] += acc[48+l], then
     * acc[l] += acc[16+l] (l < 16), then GgmlF32.reduce16 of acc[0..16), which is VectorKernels.hsum's fold order
     * (for 8 lanes after adding the two vectors: reduce16 adds lane i to lane i+8 first).
     */

    private static float chunks8(float[] x, int xo, float[] y, int yo, int np) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < np; i += 64) {
            int xi = xo + i, yi = yo + i;
            a0 = FloatVector.fromArray(F, x, xi).fma(FloatVector.fromArray(F, y, yi), a0);
            a1 = FloatVector.fromArray(F, x, xi + 8).fma(FloatVector.fromArray(F, y, yi + 8), a1);
            a2 = FloatVector.fromArray(F, x, xi + 16).fma(FloatVector.fromArray(F, y, yi + 16), a2);
            a3 = FloatVector.fromArray(F, x, xi + 24).fma(FloatVector.fromArray(F, y, yi + 24), a3);
            a4 = FloatVector.fromArray(F, x, xi + 32).fma(FloatVector.fromArray(F, y, yi + 32), a4);
            a5 = FloatVector.fromArray(F, x, xi + 40).fma(FloatVector.fromArray(F, y, yi + 40), a5);
            a6 = FloatVector.fromArray(F, x, xi + 48).fma(FloatVector.fromArray(F, y, yi + 48), a6);
            a7 = FloatVector.fromArray(F, x, xi + 56).fma(FloatVector.fromArray(F, y, yi + 56), a7);
        }
        a0 = a0.add(a4).add(a2.add(a6));
        a1 = a1.add(a5).add(a3.add(a7));
        return VectorKernels.hsum(a0.add(a1));
    }

    private static float chunks16(float[] x, int xo, float[] y, int yo, int np) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < np; i += 64) {
            int xi = xo + i, yi = yo + i;
            a0 = FloatVector.fromArray(F, x, xi).fma(FloatVector.fromArray(F, y, yi), a0);
            a1 = FloatVector.fromArray(F, x, xi + 16).fma(FloatVector.fromArray(F, y, yi + 16), a1);
            a2 = FloatVector.fromArray(F, x, xi + 32).fma(FloatVector.fromArray(F, y, yi + 32), a2);
            a3 = FloatVector.fromArray(F, x, xi + 48).fma(FloatVector.fromArray(F, y, yi + 48), a3);
        }
        return VectorKernels.hsum(a0.add(a2).add(a1.add(a3)));
    }

    /**
     * {@link ScalarKernels#rowDot} for the {@code L} columns {@code xo .. xo+L-1} at once: the same accumulator
     * per key position and the same reduction, lane-wise; the L results go to {@code out[oo..oo+L)}. (Vectors
     * cross no call boundary here: one returned from a call C2 does not inline is boxed, an allocation per query.)
     */
    private static void rowDots(float[] x, int xo, int xs, float[] y, int lo, int hi, int n, float[] slots, float[] out, int oo) {
        int np = n & ~63;
        FloatVector sum = FloatVector.zero(F);
        if (np > 0 && lo < np) {
            java.util.Arrays.fill(slots, 0f);
            for (int j = lo; j <= hi && j < np; j++) {
                int s = (j & 63) * L;
                FloatVector.fromArray(F, x, xo + j * xs).fma(FloatVector.broadcast(F, y[j]), FloatVector.fromArray(F, slots, s)).intoArray(slots, s);
            }
            reduceSlots(slots);
            sum = slot(slots, 0);
        }
        for (int j = Math.max(np, lo); j <= hi; j++) sum = sum.add(FloatVector.fromArray(F, x, xo + j * xs).mul(y[j]));
        sum.intoArray(out, oo);
    }

    /** rowDot's reduction of its 64 accumulators, for L columns at once (slot e at {@code slots[e*L]}), into slot 0. */
    private static void reduceSlots(float[] slots) {
        for (int l = 0; l < 16; l++) {
            add(slots, l, 32 + l);
            add(slots, 16 + l, 48 + l);
        }
        for (int l = 0; l < 16; l++) add(slots, l, 16 + l);
        // reduce16 of slots 0..15: t_i = s[8+i] + s[i], u_i = t[4+i] + t[i], then (u0+u2) + (u1+u3)
        for (int l = 0; l < 8; l++) add(slots, l, 8 + l);
        for (int l = 0; l < 4; l++) add(slots, l, 4 + l);
        add(slots, 0, 2);
        add(slots, 1, 3);
        add(slots, 0, 1);
    }

    private static FloatVector slot(float[] slots, int e) {
        return FloatVector.fromArray(F, slots, e * L);
    }

    /** slot[to] = slot[to] + slot[from]. */
    private static void add(float[] slots, int to, int from) {
        slot(slots, to).add(slot(slots, from)).intoArray(slots, to * L);
    }
}
