// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.Q8Order;
import dev.egemma.kernels.WeightMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}). Q8_0 products run in the block order by default
 * ({@link VectorQ8BlockDot}, libegemma's bits), or in llama.cpp's x86 order ({@link ExactQ8Tiles}); F32/F16/BF16
 * products, and the fast Q8_0 product that can replace the x86 order's (dequantized activations times weight rows
 * widened to {@code q * d}, one FMA per product), are {@link VectorFloatMatmul}'s register-tiled float product. Every
 * (row, weight row) pair runs the same operation sequence whether it falls in a full tile or a remainder, so a token's
 * result does not depend on the batch it is in.
 */
public final class VectorKernels extends ScalarKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

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

    /** System property selecting the fast Q8_0 product in place of llama.cpp's x86 order (see {@link #VectorKernels(Q8Order, boolean)}). */
    public static final String PROP_FAST_Q8 = "egemma.java.fastQ8";

    private final boolean fastQ8;
    private final GgmlQ8Matmul.Vector exact = new GgmlQ8Matmul.Vector(F);
    private final ExactQ8Tiles tiles = new ExactQ8Tiles();

    /** Q8_0 products in the block order. */
    public VectorKernels() {
        this(Q8Order.BLOCK);
    }

    /**
     * Q8_0 products in {@code q8Order}; in llama.cpp's x86 order, the fast product instead if {@code -Degemma.java.fastQ8=true}
     * (the block order, faster still, has no such variant: there the property is ignored, with a warning).
     */
    public VectorKernels(Q8Order q8Order) {
        this(q8Order, fastQ8(q8Order));
    }

    private static boolean fastQ8(Q8Order q8Order) {
        boolean fast = Boolean.getBoolean(PROP_FAST_Q8);
        if (fast && q8Order != Q8Order.X86)
            System.getLogger(VectorKernels.class.getName()).log(System.Logger.Level.WARNING, "-D" + PROP_FAST_Q8
                    + "=true ignored: it replaces the llamacpp-x86 Q8_0 order's product only, and the block order (in use) is faster");
        return fast && q8Order == Q8Order.X86;
    }

    /**
     * @param fastQ8 with {@link Q8Order#X86}: multiply dequantized values with one FMA per product (about 2-3x faster,
     *               but sums in a different order than llama.cpp, which Q8_0 re-quantization can amplify to ~5e-3 in the
     *               embedding) instead of llama.cpp's exact tinyBLAS order ({@link GgmlQ8Matmul})
     * @throws IllegalArgumentException for {@code fastQ8} with the block order
     */
    public VectorKernels(Q8Order q8Order, boolean fastQ8) {
        super(q8Order);
        if (!isUsable()) throw new IllegalStateException("preferred float species has " + L + " lanes; 8 or 16 needed");
        if (fastQ8 && q8Order != Q8Order.X86) throw new IllegalArgumentException("the fast Q8_0 product replaces the llamacpp-x86 order only");
        this.fastQ8 = fastQ8;
    }

    /** "java-vector-" and the vector width, then {@code -fastq8} with the fast product, else {@link Q8Order#kernelNameSuffix()}. */
    @Override
    public String name() {
        return "java-vector-" + F.vectorBitSize() + (fastQ8 ? "-fastq8" : q8Order().kernelNameSuffix());
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

    /** Q8_0 activations (of Q8_0, Q4_0, Q5_0 and IQ4_NL weights) grouped for {@link VectorQ8BlockDot}, the others row-major for {@link VectorBlockDot}. */
    @Override
    int quantFloatGroup(dev.egemma.gguf.GgmlType activations, int m) {
        if (activations == dev.egemma.gguf.GgmlType.Q8_0 && VectorQ8BlockDot.usable()) return VectorQ8BlockDot.group(m);
        return VectorBlockDot.usable() ? 1 : 0;
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

    /** llama.cpp's tinyBLAS order when the row length is a multiple of 16 ({@link VectorFloatMatmul}), else the scalar code. */
    @Override
    void matmulFloat(FloatRows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (a.cols() % 16 == 0) VectorFloatMatmul.matmul(a.a(), a.rows(), a.cols(), w, n0, n1, out, ldOut);
        else super.matmulFloat(a, w, n0, n1, out, ldOut);
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                          int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow, int queryFrom, int queryTo) {
        VectorAttention.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, halfWindow, queryFrom, queryTo);
    }

    /** The fast Q8_0 product: dequantized activations times weight rows widened to {@code q * d} ({@link VectorFloatMatmul}). */
    @Override
    void matmulQ8(Q8Rows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        VectorFloatMatmul.matmul(a.dq(), a.rows(), a.cols(), w, n0, n1, out, ldOut);
    }

    @Override
    void matmulBlocks(BlockFormat f, BlockActivations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut, BlockFormat.Unpacked u) {
        if (a.group() > 1) VectorQ8BlockDot.matmul(f, a, w.data(), w.rowBytes(), n0, n1, out, ldOut);
        else if (VectorBlockDot.usable()) VectorBlockDot.matmul(f, a, w.data(), w.rowBytes(), n0, n1, out, ldOut);
        else super.matmulBlocks(f, a, w, n0, n1, out, ldOut, u);
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
