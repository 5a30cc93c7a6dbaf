package dev.egemma.kernels.java;

import dev.egemma.kernels.WeightMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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

    /** Shuffles pairing lane i with i^8, i^4, i^2, i^1 (the first only for 16 lanes). */
    private static final VectorShuffle<Float>[] FOLD = folds();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int i = 0; i < steps; i++) {
            int bit = L >> (i + 1);
            f[i] = VectorShuffle.fromOp(F, lane -> lane ^ bit);
        }
        return f;
    }

    /**
     * Sum of the lanes in a fixed pairwise order. {@code reduceLanes} may add in a different order once the JIT
     * intrinsifies it, and a result must not depend on compilation state (nor, through it, on batch composition).
     */
    static float hsum(FloatVector v) {
        for (VectorShuffle<Float> f : FOLD) v = v.add(v.rearrange(f));
        return v.lane(0);
    }

    /** Needs 8 or 16 float lanes (AVX2, AVX-512); narrower CPUs use {@link ScalarKernels}. */
    public static boolean isUsable() {
        return L == 8 || L == 16;
    }

    /** System property selecting the fast Q8_0 product (not llama.cpp's float order; see {@link #VectorKernels(boolean)}). */
    public static final String PROP_FAST_Q8 = "egemma.java.fastQ8";

    private final boolean fastQ8;
    private final GgmlQ8Matmul.Vector exact = new GgmlQ8Matmul.Vector(F);
    private final ExactQ8Tiles tiles = new ExactQ8Tiles();

    /** llama.cpp's float order unless {@code -Degemma.java.fastQ8=true}. */
    public VectorKernels() {
        this(Boolean.getBoolean(PROP_FAST_Q8));
    }

    /**
     * @param fastQ8 multiply dequantized values with one FMA per product (about 2-3x faster, but sums in a
     *               different order than llama.cpp, which Q8_0 re-quantization can amplify to ~5e-3 in the
     *               embedding); false for llama.cpp's exact tinyBLAS order ({@link GgmlQ8Matmul})
     */
    public VectorKernels(boolean fastQ8) {
        if (!isUsable()) throw new IllegalStateException("preferred float species has " + L + " lanes; 8 or 16 needed");
        this.fastQ8 = fastQ8;
    }

    @Override
    public String name() {
        return "java-vector-" + F.vectorBitSize() + (fastQ8 ? "-fastq8" : "");
    }

    /** Q8 activations with their regrouped copy for {@link GgmlQ8Matmul.Vector}, built once per product. */
    record RegroupedQ8(Q8Rows q8, float[] regrouped) implements dev.egemma.kernels.Activations {
        @Override
        public int rows() {
            return q8.rows();
        }

        @Override
        public int cols() {
            return q8.cols();
        }
    }

    @Override
    public dev.egemma.kernels.Activations prepare(float[] a, int m, int k, WeightMatrix w) {
        return prepare(a, m, k, w, null);
    }

    @Override
    public dev.egemma.kernels.Activations prepare(float[] a, int m, int k, WeightMatrix w, dev.egemma.kernels.Activations reuse) {
        return prepare(a, m, k, w, reuse, SERIAL);
    }

    @Override
    public dev.egemma.kernels.Activations prepare(float[] a, int m, int k, WeightMatrix w, dev.egemma.kernels.Activations reuse, RowSplitter rows) {
        RegroupedQ8 old = reuse instanceof RegroupedQ8 r ? r : null;
        dev.egemma.kernels.Activations p = super.prepare(a, m, k, w, old != null ? old.q8() : reuse, rows);
        if (!fastQ8 && p instanceof Q8Rows q) return new RegroupedQ8(q, exact.regroupActivations(q, old == null ? null : old.regrouped(), rows));
        return p;
    }

    @Override
    boolean readsDequantized() {
        return fastQ8;
    }

    @Override
    public void matmul(dev.egemma.kernels.Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (a instanceof RegroupedQ8 r) {
            checkTile(r.q8(), w, n0, n1, out, ldOut);
            tiles.matmul(r.q8(), r.regrouped(), w.data(), w.rowBytes(), n0, n1, out, ldOut);
        } else {
            super.matmul(a, w, n0, n1, out, ldOut);
        }
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                          int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow) {
        VectorAttention.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, halfWindow);
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
        float[] q = a.dq();
        // weight rows dequantized (q * d, exact in float) once per (activation chunk, row pair), reused by every row quad
        float[] x0 = new float[k], x1 = new float[k];
        for (int i0 = 0; i0 < m; i0 += M_CHUNK) {
            int i1 = Math.min(m, i0 + M_CHUNK);
            int n = n0;
            for (; n + 1 < n1; n += 2) {
                widen(s, n * rb, nb, x0);
                widen(s, (n + 1) * rb, nb, x1);
                int i = i0;
                for (; i + 3 < i1; i += 4) tile4x2(q, i, k, x0, x1, out, ldOut, n);
                for (; i < i1; i++) {
                    out[i * ldOut + n] = dot(q, i * k, x0, 0, k);
                    out[i * ldOut + n + 1] = dot(q, i * k, x1, 0, k);
                }
            }
            for (; n < n1; n++) {
                widen(s, n * rb, nb, x0);
                for (int i = i0; i < i1; i++) out[i * ldOut + n] = dot(q, i * k, x0, 0, k);
            }
        }
    }

    /** One Q8_0 weight row dequantized into {@code x}: {@code q * d}, exact in float (7 + 11 significant bits). */
    private static void widen(MemorySegment s, long rowOff, int nb, float[] x) {
        for (int b = 0; b < nb; b++) {
            long o = rowOff + b * 34L;
            FloatVector d = FloatVector.broadcast(F, scale(s, o));
            for (int j = 0; j < 32; j += L) wload(s, o + 2 + j).mul(d).intoArray(x, b * 32 + j);
        }
    }

    /** Rows i..i+3 of the activations against two dequantized weight rows (outputs n, n+1). */
    private static void tile4x2(float[] q, int i, int k, float[] y0, float[] y1, float[] out, int ldOut, int n) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
        for (int j = 0; j < k; j += L) {
            FloatVector x0 = FloatVector.fromArray(F, y0, j), x1 = FloatVector.fromArray(F, y1, j);
            FloatVector a0 = FloatVector.fromArray(F, q, r0 + j), a1 = FloatVector.fromArray(F, q, r1 + j);
            FloatVector a2 = FloatVector.fromArray(F, q, r2 + j), a3 = FloatVector.fromArray(F, q, r3 + j);
            c00 = a0.fma(x0, c00); c01 = a0.fma(x1, c01);
            c10 = a1.fma(x0, c10); c11 = a1.fma(x1, c11);
            c20 = a2.fma(x0, c20); c21 = a2.fma(x1, c21);
            c30 = a3.fma(x0, c30); c31 = a3.fma(x1, c31);
        }
        int o = i * ldOut + n;
        out[o] = hsum(c00);
        out[o + 1] = hsum(c01);
        out[o + ldOut] = hsum(c10);
        out[o + ldOut + 1] = hsum(c11);
        out[o + 2 * ldOut] = hsum(c20);
        out[o + 2 * ldOut + 1] = hsum(c21);
        out[o + 3 * ldOut] = hsum(c30);
        out[o + 3 * ldOut + 1] = hsum(c31);
    }

    /** Float dot product: vector lanes then a scalar tail. */
    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - L; j += L) acc = FloatVector.fromArray(F, x, xo + j).fma(FloatVector.fromArray(F, y, yo + j), acc);
        float s = hsum(acc);
        for (; j < n; j++) s += x[xo + j] * y[yo + j];
        return s;
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
