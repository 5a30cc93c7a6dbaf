// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Register-tiled Q8_0 product in llama.cpp's exact float order ({@link GgmlQ8Matmul}: 8 lanes per output, each
 * the exact sum of 4 consecutive int8 products, accumulated per block as {@code fma(d_w*d_a, lane, acc)}, then
 * {@code hsum8}), bit-identical to {@link GgmlQ8Matmul#scalar} but fast:
 * <ul>
 * <li>a vector of {@code L} floats holds the 8 lanes of {@code P = L/8} outputs; a tile is 4 activation rows x
 * 2 vectors (= {@code 2P} weight rows), so every weight vector loaded serves 4 rows and every activation vector
 * 2 weight vectors;</li>
 * <li>weight rows are regrouped with one vector byte shuffle per block and widened to float once per (64-row
 * activation chunk, tile column), not once per row quad;</li>
 * <li>each output's 8 lanes are reduced in {@code hsum8}'s order: with vector shuffles in a tile of 8-lane
 * vectors, with scalar adds otherwise;</li>
 * <li>activations come regrouped by {@link GgmlQ8Matmul.Vector#regroupActivations} (once per product).</li>
 * </ul>
 */
final class ExactQ8Tiles {
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** Block element 4*l+i to position 8*i+l ("i-major": four groups of the 8 lanes' i-th values). */
    private static final VectorShuffle<Byte> I_MAJOR = VectorShuffle.fromOp(B32, j -> 4 * (j % 8) + j / 8);
    private static final int M_CHUNK = 64;
    /** Lane l paired with l^4, l^2, l^1 (the 8-lane reduction of {@link #storePair}); lanes 4-7 taken from the second output. */
    private static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F8, l -> l ^ 4), XOR2 = VectorShuffle.fromOp(F8, l -> l ^ 2),
            XOR1 = VectorShuffle.fromOp(F8, l -> l ^ 1);
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F8, 0xF0);

    /** Static final so that C2 sees a constant species (an instance field defeats the Vector API intrinsics). */
    private static final VectorSpecies<Float> f = FloatVector.SPECIES_PREFERRED;
    private static final int vl = f.length(), p = vl / 8;
    /** Each thread's regrouped weights (wq, ws) and accumulator lanes, grown to the longest rows seen: no allocation per call. */
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[8 * vl]});
    /** Each thread's copy of one weight row (its Q8_0 blocks), grown to the longest row seen. */
    private final ThreadLocal<byte[][]> rowScratch = ThreadLocal.withInitial(() -> new byte[][] {new byte[0]});

    ExactQ8Tiles() {
        if (vl % 8 != 0) throw new IllegalArgumentException("species " + f + " is not a multiple of 8 lanes");
    }

    /**
     * Weight rows {@code n .. n+2P-1} (rows at or past {@code nEnd} as zeros) into {@code wq[b][i][half][c][lane]}
     * and {@code ws[b][half][c][lane] = d_w}.
     */
    private void regroup(MemorySegment w, long rowBytes, int nb, int n, int nEnd, float[] wq, float[] ws, byte[] row) {
        for (int o = 0; o < 2 * p; o++) {
            int half = o / p, c = o % p;
            int lanesOff = half * vl + c * 8;
            if (n + o >= nEnd) {
                for (int b = 0; b < nb; b++) {
                    int qo = b * 4 * 2 * vl + lanesOff;
                    for (int i = 0; i < 4; i++) FloatVector.zero(F8).intoArray(wq, qo + i * 2 * vl);
                    FloatVector.zero(F8).intoArray(ws, b * 2 * vl + lanesOff);
                }
                continue;
            }
            // one bulk copy of the row to the heap: vector loads from an array are intrinsics C2 always inlines,
            // a MemorySegment load's bounds check was a call (5% of the Java backend's samples)
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, (n + o) * rowBytes, row, 0, nb * WeightRows.Q8_BLOCK_BYTES);
            for (int b = 0; b < nb; b++) {
                int qo = b * 4 * 2 * vl + lanesOff, off = b * WeightRows.Q8_BLOCK_BYTES;
                short h = (short) (row[off] & 0xff | row[off + 1] << 8);
                FloatVector.broadcast(F8, Float.float16ToFloat(h)).intoArray(ws, b * 2 * vl + lanesOff);
                // one byte shuffle puts element 4*l+i at 8*i+l; part i of the widening is then the i-th 8 lanes
                ByteVector v = ByteVector.fromArray(B32, row, off + 2).rearrange(I_MAJOR);
                for (int i = 0; i < 4; i++) ((FloatVector) v.convertShape(VectorOperators.B2F, F8, i)).intoArray(wq, qo + i * 2 * vl);
            }
        }
    }

    private float[][] growScratch(int nb) {
        float[][] b = {new float[nb * 4 * 2 * vl], new float[nb * 2 * vl], new float[8 * vl]};
        scratch.set(b);
        return b;
    }

    void matmul(Q8Rows a, float[] ra, MemorySegment w, long rowBytes, int n0, int n1, float[] out, int ldOut) {
        int m = a.rows(), nb = a.cols() / 32;
        float[] d = a.d();
        float[][] buffers = scratch.get();
        if (buffers[0].length < nb * 4 * 2 * vl) buffers = growScratch(nb);
        float[] wq = buffers[0], ws = buffers[1], lanes = buffers[2];
        byte[][] rowHolder = rowScratch.get();
        if (rowHolder[0].length < nb * WeightRows.Q8_BLOCK_BYTES) rowHolder[0] = new byte[nb * WeightRows.Q8_BLOCK_BYTES];
        byte[] row = rowHolder[0];
        for (int i0 = 0; i0 < m; i0 += M_CHUNK) {
            int i1 = Math.min(m, i0 + M_CHUNK);
            for (int n = n0; n < n1; n += 2 * p) {
                regroup(w, rowBytes, nb, n, n1, wq, ws, row);
                int i = i0;
                for (; i + 3 < i1; i += 4) tile4(ra, d, nb, i, wq, ws, out, ldOut, n, n1, lanes);
                for (; i < i1; i++) tile1(ra, d, nb, i, wq, ws, out, ldOut, n, n1, lanes);
            }
        }
    }

    private FloatVector lanes(float[] ra, int o, FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3) {
        FloatVector t = FloatVector.fromArray(f, ra, o).mul(w0);
        t = FloatVector.fromArray(f, ra, o + vl).fma(w1, t);
        t = FloatVector.fromArray(f, ra, o + 2 * vl).fma(w2, t);
        return FloatVector.fromArray(f, ra, o + 3 * vl).fma(w3, t);
    }

    private void tile4(float[] ra, float[] d, int nb, int i, float[] wq, float[] ws, float[] out, int ldOut, int n, int n1, float[] lanes) {
        int rs = nb * 4 * vl;
        FloatVector c0 = FloatVector.zero(f), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
        int a0 = i * rs;
        for (int b = 0; b < nb; b++) {
            int wo = b * 8 * vl, ao = a0 + b * 4 * vl;
            FloatVector x0 = FloatVector.fromArray(f, wq, wo), x1 = FloatVector.fromArray(f, wq, wo + 2 * vl);
            FloatVector x2 = FloatVector.fromArray(f, wq, wo + 4 * vl), x3 = FloatVector.fromArray(f, wq, wo + 6 * vl);
            FloatVector y0 = FloatVector.fromArray(f, wq, wo + vl), y1 = FloatVector.fromArray(f, wq, wo + 3 * vl);
            FloatVector y2 = FloatVector.fromArray(f, wq, wo + 5 * vl), y3 = FloatVector.fromArray(f, wq, wo + 7 * vl);
            FloatVector sx = FloatVector.fromArray(f, ws, b * 2 * vl), sy = FloatVector.fromArray(f, ws, b * 2 * vl + vl);
            float d0 = d[i * nb + b], d1 = d[(i + 1) * nb + b], d2 = d[(i + 2) * nb + b], d3 = d[(i + 3) * nb + b];
            FloatVector q00 = FloatVector.fromArray(f, ra, ao), q01 = FloatVector.fromArray(f, ra, ao + vl);
            FloatVector q02 = FloatVector.fromArray(f, ra, ao + 2 * vl), q03 = FloatVector.fromArray(f, ra, ao + 3 * vl);
            c0 = q03.fma(x3, q02.fma(x2, q01.fma(x1, q00.mul(x0)))).fma(sx.mul(d0), c0);
            e0 = q03.fma(y3, q02.fma(y2, q01.fma(y1, q00.mul(y0)))).fma(sy.mul(d0), e0);
            FloatVector q10 = FloatVector.fromArray(f, ra, ao + 1 * rs), q11 = FloatVector.fromArray(f, ra, ao + 1 * rs + vl);
            FloatVector q12 = FloatVector.fromArray(f, ra, ao + 1 * rs + 2 * vl), q13 = FloatVector.fromArray(f, ra, ao + 1 * rs + 3 * vl);
            c1 = q13.fma(x3, q12.fma(x2, q11.fma(x1, q10.mul(x0)))).fma(sx.mul(d1), c1);
            e1 = q13.fma(y3, q12.fma(y2, q11.fma(y1, q10.mul(y0)))).fma(sy.mul(d1), e1);
            FloatVector q20 = FloatVector.fromArray(f, ra, ao + 2 * rs), q21 = FloatVector.fromArray(f, ra, ao + 2 * rs + vl);
            FloatVector q22 = FloatVector.fromArray(f, ra, ao + 2 * rs + 2 * vl), q23 = FloatVector.fromArray(f, ra, ao + 2 * rs + 3 * vl);
            c2 = q23.fma(x3, q22.fma(x2, q21.fma(x1, q20.mul(x0)))).fma(sx.mul(d2), c2);
            e2 = q23.fma(y3, q22.fma(y2, q21.fma(y1, q20.mul(y0)))).fma(sy.mul(d2), e2);
            FloatVector q30 = FloatVector.fromArray(f, ra, ao + 3 * rs), q31 = FloatVector.fromArray(f, ra, ao + 3 * rs + vl);
            FloatVector q32 = FloatVector.fromArray(f, ra, ao + 3 * rs + 2 * vl), q33 = FloatVector.fromArray(f, ra, ao + 3 * rs + 3 * vl);
            c3 = q33.fma(x3, q32.fma(x2, q31.fma(x1, q30.mul(x0)))).fma(sx.mul(d3), c3);
            e3 = q33.fma(y3, q32.fma(y2, q31.fma(y1, q30.mul(y0)))).fma(sy.mul(d3), e3);
        }
        if (p == 1) {
            // 8 lanes = one output: lanes l and l^4 of each row's two outputs added in one vector (c's in lanes 0-3,
            // e's in 4-7), here, inline (a vector passed to a call is boxed); storePair finishes from memory
            c0.add(c0.rearrange(XOR4)).blend(e0.add(e0.rearrange(XOR4)), UPPER_HALF).intoArray(lanes, 0);
            c1.add(c1.rearrange(XOR4)).blend(e1.add(e1.rearrange(XOR4)), UPPER_HALF).intoArray(lanes, 8);
            c2.add(c2.rearrange(XOR4)).blend(e2.add(e2.rearrange(XOR4)), UPPER_HALF).intoArray(lanes, 16);
            c3.add(c3.rearrange(XOR4)).blend(e3.add(e3.rearrange(XOR4)), UPPER_HALF).intoArray(lanes, 24);
            for (int r = 0; r < 4; r++) storePair(lanes, 8 * r, out, (i + r) * ldOut, n, n1);
            return;
        }
        // the accumulators leave as arrays, not as arguments: a vector passed to a call C2 does not inline (this tile
        // is past its inlining budget) is boxed, which allocated ~100 bytes per accumulator and tile
        c0.intoArray(lanes, 0);
        e0.intoArray(lanes, vl);
        c1.intoArray(lanes, 2 * vl);
        e1.intoArray(lanes, 3 * vl);
        c2.intoArray(lanes, 4 * vl);
        e2.intoArray(lanes, 5 * vl);
        c3.intoArray(lanes, 6 * vl);
        e3.intoArray(lanes, 7 * vl);
        for (int r = 0; r < 4; r++) store(lanes, 2 * r * vl, out, (i + r) * ldOut, n, n1);
    }

    private void tile1(float[] ra, float[] d, int nb, int i, float[] wq, float[] ws, float[] out, int ldOut, int n, int n1, float[] lanes) {
        int rs = nb * 4 * vl;
        FloatVector c = FloatVector.zero(f), e = c;
        for (int b = 0; b < nb; b++) {
            int wo = b * 8 * vl, ao = i * rs + b * 4 * vl;
            float da = d[i * nb + b];
            c = lanes(ra, ao, FloatVector.fromArray(f, wq, wo), FloatVector.fromArray(f, wq, wo + 2 * vl),
                    FloatVector.fromArray(f, wq, wo + 4 * vl), FloatVector.fromArray(f, wq, wo + 6 * vl))
                    .fma(FloatVector.fromArray(f, ws, b * 2 * vl).mul(da), c);
            e = lanes(ra, ao, FloatVector.fromArray(f, wq, wo + vl), FloatVector.fromArray(f, wq, wo + 3 * vl),
                    FloatVector.fromArray(f, wq, wo + 5 * vl), FloatVector.fromArray(f, wq, wo + 7 * vl))
                    .fma(FloatVector.fromArray(f, ws, b * 2 * vl + vl).mul(da), e);
        }
        c.intoArray(lanes, 0);
        e.intoArray(lanes, vl);
        store(lanes, 0, out, i * ldOut, n, n1);
    }

    /**
     * Outputs {@code n} and {@code n+1} (the latter only below {@code n1}) of one row, for 8-lane vectors, from
     * {@code lanes[at..at+8)} = (c_l + c_{l+4}) for l < 4 and (e_{l-4} + e_l) for l >= 4 (see tile4), in {@code hsum8}'s
     * order: then lanes l^2 added, then l^1, so lane 0 is {@code ((c0+c4)+(c2+c6)) + ((c1+c5)+(c3+c7))} and lane 4 the
     * same of e (float addition is commutative: swapped operands give the same bits).
     */
    private static void storePair(float[] lanes, int at, float[] out, int rowOff, int n, int n1) {
        FloatVector u = FloatVector.fromArray(F8, lanes, at);
        FloatVector w = u.add(u.rearrange(XOR2));
        FloatVector z = w.add(w.rearrange(XOR1));
        out[rowOff + n] = z.lane(0);
        if (n + 1 < n1) out[rowOff + n + 1] = z.lane(4);
    }

    /**
     * Outputs n..n+2P-1 (those below n1) of one row from its two accumulators at {@code lanes[at..at+2vl)}, each
     * output's 8 lanes summed by {@link GgmlQ8Matmul#hsum8} (for 16-lane vectors and single rows; 8-lane tiles use
     * {@link #storePair}).
     */
    private void store(float[] lanes, int at, float[] out, int rowOff, int n, int n1) {
        for (int o = 0; o < 2 * p && n + o < n1; o++) {
            int l = at + o * 8;
            out[rowOff + n + o] = GgmlQ8Matmul.hsum8(lanes[l], lanes[l + 1], lanes[l + 2], lanes[l + 3], lanes[l + 4], lanes[l + 5], lanes[l + 6], lanes[l + 7]);
        }
    }

}
