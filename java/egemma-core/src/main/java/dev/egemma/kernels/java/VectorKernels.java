package dev.egemma.kernels.java;

import dev.egemma.kernels.WeightMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}). The Q8_0 product is register-tiled: 4 activation
 * rows x 2 weight rows per step, so each weight block is loaded and widened once per 4 tokens. The int8 x int8
 * block dot runs in float lanes: activations are kept as exact small integers (see {@link Q8Rows}) and the
 * weights are widened byte -> float, so each 32-block's products and their sum are exact integers (|sum| <=
 * 32*127*128 < 2^24) exactly as ggml's integer dot, then scaled by {@code d_w*d_a} into a float accumulator.
 * Every (row, weight row) pair runs the same operation sequence whether it falls in a full tile or a remainder,
 * so a token's result does not depend on the batch it is in.
 */
public final class VectorKernels extends ScalarKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Byte species with as many lanes as {@link #F}, for the byte -> float widening of weight blocks. */
    private static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Activation rows per pass over a weight tile: their quantized values stay in L2 while the tile streams. */
    private static final int M_CHUNK = 64;

    /** Needs 8 or 16 float lanes (AVX2, AVX-512); narrower CPUs use {@link ScalarKernels}. */
    public static boolean isUsable() {
        return L == 8 || L == 16;
    }

    public VectorKernels() {
        if (!isUsable()) throw new IllegalStateException("preferred float species has " + L + " lanes; 8 or 16 needed");
    }

    @Override
    public String name() {
        return "java-vector-" + F.vectorBitSize();
    }

    private static FloatVector wload(MemorySegment s, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(B, s, off, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    private static float scale(MemorySegment s, long blockOff) {
        return Float.float16ToFloat(s.get(WeightRows.LE_SHORT, blockOff));
    }

    @Override
    void matmulQ8(Q8Rows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        MemorySegment s = w.data();
        int k = a.cols(), nb = k / 32, m = a.rows();
        long rb = w.rowBytes();
        float[] q = a.q(), d = a.d();
        for (int i0 = 0; i0 < m; i0 += M_CHUNK) {
            int i1 = Math.min(m, i0 + M_CHUNK);
            int n = n0;
            for (; n + 1 < n1; n += 2) {
                long w0 = n * rb, w1 = w0 + rb;
                int i = i0;
                for (; i + 3 < i1; i += 4) tile4x2(q, d, i, k, nb, s, w0, w1, out, ldOut, n);
                for (; i < i1; i++) {
                    out[i * ldOut + n] = dot1(q, d, i, k, nb, s, w0);
                    out[i * ldOut + n + 1] = dot1(q, d, i, k, nb, s, w1);
                }
            }
            for (; n < n1; n++) {
                long w0 = n * rb;
                for (int i = i0; i < i1; i++) out[i * ldOut + n] = dot1(q, d, i, k, nb, s, w0);
            }
        }
    }

    /** Rows i..i+3 of the activations against weight rows at byte offsets w0 and w1 (outputs n, n+1). */
    private static void tile4x2(float[] q, float[] d, int i, int k, int nb, MemorySegment s, long w0, long w1,
                                float[] out, int ldOut, int n) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
        int dr = i * nb;
        for (int b = 0; b < nb; b++) {
            long o0 = w0 + b * 34L, o1 = w1 + b * 34L;
            int ab = b * 32;
            FloatVector x0 = wload(s, o0 + 2), x1 = wload(s, o1 + 2);
            FloatVector a0 = FloatVector.fromArray(F, q, r0 + ab), a1 = FloatVector.fromArray(F, q, r1 + ab);
            FloatVector a2 = FloatVector.fromArray(F, q, r2 + ab), a3 = FloatVector.fromArray(F, q, r3 + ab);
            FloatVector t00 = a0.mul(x0), t01 = a0.mul(x1), t10 = a1.mul(x0), t11 = a1.mul(x1);
            FloatVector t20 = a2.mul(x0), t21 = a2.mul(x1), t30 = a3.mul(x0), t31 = a3.mul(x1);
            for (int j = L; j < 32; j += L) {
                x0 = wload(s, o0 + 2 + j);
                x1 = wload(s, o1 + 2 + j);
                a0 = FloatVector.fromArray(F, q, r0 + ab + j);
                a1 = FloatVector.fromArray(F, q, r1 + ab + j);
                a2 = FloatVector.fromArray(F, q, r2 + ab + j);
                a3 = FloatVector.fromArray(F, q, r3 + ab + j);
                t00 = a0.fma(x0, t00); t01 = a0.fma(x1, t01);
                t10 = a1.fma(x0, t10); t11 = a1.fma(x1, t11);
                t20 = a2.fma(x0, t20); t21 = a2.fma(x1, t21);
                t30 = a3.fma(x0, t30); t31 = a3.fma(x1, t31);
            }
            float s0 = scale(s, o0), s1 = scale(s, o1);
            float d0 = d[dr + b], d1 = d[dr + nb + b], d2 = d[dr + 2 * nb + b], d3 = d[dr + 3 * nb + b];
            c00 = t00.fma(FloatVector.broadcast(F, s0 * d0), c00); c01 = t01.fma(FloatVector.broadcast(F, s1 * d0), c01);
            c10 = t10.fma(FloatVector.broadcast(F, s0 * d1), c10); c11 = t11.fma(FloatVector.broadcast(F, s1 * d1), c11);
            c20 = t20.fma(FloatVector.broadcast(F, s0 * d2), c20); c21 = t21.fma(FloatVector.broadcast(F, s1 * d2), c21);
            c30 = t30.fma(FloatVector.broadcast(F, s0 * d3), c30); c31 = t31.fma(FloatVector.broadcast(F, s1 * d3), c31);
        }
        int o = i * ldOut + n;
        out[o] = c00.reduceLanes(VectorOperators.ADD);
        out[o + 1] = c01.reduceLanes(VectorOperators.ADD);
        out[o + ldOut] = c10.reduceLanes(VectorOperators.ADD);
        out[o + ldOut + 1] = c11.reduceLanes(VectorOperators.ADD);
        out[o + 2 * ldOut] = c20.reduceLanes(VectorOperators.ADD);
        out[o + 2 * ldOut + 1] = c21.reduceLanes(VectorOperators.ADD);
        out[o + 3 * ldOut] = c30.reduceLanes(VectorOperators.ADD);
        out[o + 3 * ldOut + 1] = c31.reduceLanes(VectorOperators.ADD);
    }

    /** One activation row against one weight row, the same operation sequence as one pair of {@link #tile4x2}. */
    private static float dot1(float[] q, float[] d, int i, int k, int nb, MemorySegment s, long w0) {
        FloatVector c = FloatVector.zero(F);
        int r = i * k, dr = i * nb;
        for (int b = 0; b < nb; b++) {
            long o = w0 + b * 34L;
            int ab = b * 32;
            FloatVector t = FloatVector.fromArray(F, q, r + ab).mul(wload(s, o + 2));
            for (int j = L; j < 32; j += L) t = FloatVector.fromArray(F, q, r + ab + j).fma(wload(s, o + 2 + j), t);
            c = t.fma(FloatVector.broadcast(F, scale(s, o) * d[dr + b]), c);
        }
        return c.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void matmulFloat(FloatRows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        int k = a.cols();
        float[] row = new float[k];
        float[] x = a.a();
        for (int n = n0; n < n1; n++) {
            WeightRows.dequantizeRow(w, n, row, 0);
            for (int i = 0; i < a.rows(); i++) out[i * ldOut + n] = dot(x, i * k, row, 0, k);
        }
    }

    /** Float dot product: vector lanes then a scalar tail. */
    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - L; j += L) acc = FloatVector.fromArray(F, x, xo + j).fma(FloatVector.fromArray(F, y, yo + j), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) s += x[xo + j] * y[yo + j];
        return s;
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                          int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow) {
        int g = head / (nHead / nHeadKv);
        int qStride = nHead * headDim, kStride = nHeadKv * headDim, vStride = nHeadKv * headDimV, oStride = nHead * headDimV;
        float[] p = new float[tokens];
        for (int i = 0; i < tokens; i++) {
            int lo = halfWindow < 0 ? 0 : Math.max(0, i - halfWindow);
            int hi = halfWindow < 0 ? tokens - 1 : Math.min(tokens - 1, i + halfWindow);
            int qo = (rowOff + i) * qStride + head * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = lo; j <= hi; j++) {
                float sc = dot(q, qo, k, (rowOff + j) * kStride + g * headDim, headDim);
                p[j] = sc;
                max = Math.max(max, sc);
            }
            float inv = GgmlExp.softmax(p, lo, hi, tokens, max);
            int oo = (rowOff + i) * oStride + head * headDimV;
            java.util.Arrays.fill(out, oo, oo + headDimV, 0f);
            for (int j = lo; j <= hi; j++) axpy(p[j] * inv, v, (rowOff + j) * vStride + g * headDimV, out, oo, headDimV);
        }
    }

    /** y += a * x. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (; j <= n - L; j += L)
            FloatVector.fromArray(F, x, xo + j).fma(av, FloatVector.fromArray(F, y, yo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] += a * x[xo + j];
    }
}
