// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@link BlockDot} on the Vector API, bit for bit. A weight row is unpacked once with its integer scales folded into
 * its quants ({@code sc[j] * q[e]}, as floats), and each block's integer dot with an activation row (its quants as
 * floats, {@link BlockActivations#qf()}) is summed in float lanes by FMA, then converted to int and reduced.
 *
 * <p>Why the float lanes are exact: every product is an integer of magnitude at most 4,096 * 128 = 2^19 (the largest
 * {@code |sc * q|} is Q6_K's 128 * 32, an activation quant is at most 128 in magnitude), and a lane sums
 * {@code block / L} of them: 256 / 8 = 32 on 8 lanes, so every partial sum is an integer of magnitude at most
 * 32 * 2^19 = 2^24, which a float holds exactly. The lanes are converted to int (exact) and added as ints, so the
 * block's sum is the exact {@code isum} whatever the lane order; the float operations per block are
 * {@link BlockDot}'s own. Four activation rows share each weight vector load.
 */
final class VectorBlockDot {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Activation rows per pass over a weight row. */
    private static final int RM = 4;

    private VectorBlockDot() {}

    /** 8 or 16 float lanes: at most 32 products per lane and block (the exactness bound above), and L divides 16. */
    static boolean usable() {
        return L == 8 || L == 16;
    }

    /** Weight rows unpacked together: each pass over a group of four activation rows serves all of them. */
    private static final int NG = 8;
    /** Each thread's {@link #NG} unpacked weight rows and their scaled quants. */
    private static final ThreadLocal<BlockFormat.Unpacked[]> GROUP = ThreadLocal.withInitial(() -> {
        BlockFormat.Unpacked[] g = new BlockFormat.Unpacked[NG];
        for (int j = 0; j < NG; j++) g[j] = new BlockFormat.Unpacked();
        return g;
    });

    /**
     * As {@link BlockDot#matmul}; {@code a} must carry its float quants. Blocked for the caches: the weight rows are
     * unpacked {@link #NG} at a time (~3 KB of floats each at k = 768), then every group of four activation rows runs
     * against all of them while it sits in L1, so a big batch's activations (4 bytes per quant: 1.5 MB at 512 x 768)
     * stream through once per {@link #NG} weight rows instead of once per weight row.
     */
    static void matmul(BlockFormat f, BlockActivations a, MemorySegment data, long rowBytes, int n0, int n1,
                       float[] out, int ldOut) {
        int k = a.cols(), m = a.rows();
        if (a.qf() == null) throw new IllegalArgumentException("activations prepared without their float quants");
        BlockFormat.Unpacked[] group = GROUP.get();
        float[][] ws = new float[NG][];
        float[] st = new float[2 * RM]; // per row of a group: acc, accMin
        for (int g0 = n0; g0 < n1; g0 += NG) {
            int g1 = Math.min(n1, g0 + NG);
            for (int n = g0; n < g1; n++) {
                group[n - g0].row(f, data, rowBytes, n, k);
                ws[n - g0] = group[n - g0].scaledFloats(f, k);
            }
            int i = 0;
            for (; i + RM <= m; i += RM)
                for (int n = g0; n < g1; n++) {
                    rows4(f, group[n - g0], a, ws[n - g0], i, st);
                    for (int r = 0; r < RM; r++) out[(i + r) * ldOut + n] = BlockDot.result(f, st[2 * r], st[2 * r + 1]);
                }
            for (; i < m; i++)
                for (int n = g0; n < g1; n++) {
                    row1(f, group[n - g0], a, ws[n - g0], i, st);
                    out[i * ldOut + n] = BlockDot.result(f, st[0], st[1]);
                }
        }
    }

    /** Activation rows {@code i..i+3}: every block's four integer dots from one pass over the weight vectors. */
    private static void rows4(BlockFormat f, BlockFormat.Unpacked w, BlockActivations a, float[] ws, int i, float[] st) {
        int k = a.cols(), block = f.block(), nb = k / block;
        float[] aq = a.qf();
        int o0 = i * k, o1 = o0 + k, o2 = o1 + k, o3 = o2 + k;
        java.util.Arrays.fill(st, 0f);
        for (int b = 0; b < nb; b++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int e = b * block, end = e + block; e < end; e += L) {
                FloatVector wv = FloatVector.fromArray(F, ws, e);
                s0 = wv.fma(FloatVector.fromArray(F, aq, o0 + e), s0);
                s1 = wv.fma(FloatVector.fromArray(F, aq, o1 + e), s1);
                s2 = wv.fma(FloatVector.fromArray(F, aq, o2 + e), s2);
                s3 = wv.fma(FloatVector.fromArray(F, aq, o3 + e), s3);
            }
            finishBlock(f, w, a, i, b, exactSum(s0), st, 0);
            finishBlock(f, w, a, i + 1, b, exactSum(s1), st, 1);
            finishBlock(f, w, a, i + 2, b, exactSum(s2), st, 2);
            finishBlock(f, w, a, i + 3, b, exactSum(s3), st, 3);
        }
    }

    /** One activation row (the rows a group of four leaves): the same operations per row as {@link #rows4}. */
    private static void row1(BlockFormat f, BlockFormat.Unpacked w, BlockActivations a, float[] ws, int i, float[] st) {
        int k = a.cols(), block = f.block(), nb = k / block, o = i * k;
        float[] aq = a.qf();
        st[0] = 0f;
        st[1] = 0f;
        for (int b = 0; b < nb; b++) {
            FloatVector s = FloatVector.zero(F);
            for (int e = b * block, end = e + block; e < end; e += L) s = FloatVector.fromArray(F, ws, e).fma(FloatVector.fromArray(F, aq, o + e), s);
            finishBlock(f, w, a, i, b, exactSum(s), st, 0);
        }
    }

    /** The lanes (integers of magnitude at most 2^24, so exact) converted to int and added: the block's exact isum. */
    private static int exactSum(FloatVector s) {
        return ((IntVector) s.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
    }

    /** Block {@code b}'s float steps for activation row {@code i} (state {@code st[2r]}, {@code st[2r+1]}): {@link BlockDot}'s own. */
    private static void finishBlock(BlockFormat f, BlockFormat.Unpacked w, BlockActivations a, int i, int b, int isum, float[] st, int r) {
        int k = a.cols(), ib = i * (k / f.block()) + b;
        st[2 * r] = BlockDot.accumulate(w, a, b, ib, isum, st[2 * r]);
        st[2 * r + 1] = BlockDot.accumulateMin(f, w, a, b, ib, f.min == BlockFormat.Min.INT ? BlockDot.minSum(f, w.mn, a.bsums(), i, k, b) : 0, st[2 * r + 1]);
    }
}
