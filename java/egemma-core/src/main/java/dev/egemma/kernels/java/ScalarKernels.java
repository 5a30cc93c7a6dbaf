// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain-Java kernels without the Vector API: the fallback when {@code jdk.incubator.vector} is absent and the
 * base class of {@link VectorKernels}, which overrides the hot loops. Q8_0 products sum in the {@link Q8Order} given at
 * construction: the block order ({@link BlockDot}, libegemma's {@code EGEMMA_Q8_0_ORDER_BLOCK} bit for bit) by
 * default, or llama.cpp's x86 order ({@link GgmlQ8Matmul}).
 */
public class ScalarKernels implements Kernels {

    private final Q8Order q8Order;

    /** Kernels whose Q8_0 products sum in the block order ({@link Q8Order#BLOCK}). */
    public ScalarKernels() {
        this(Q8Order.BLOCK);
    }

    /** Kernels whose Q8_0 products sum in {@code q8Order}. */
    public ScalarKernels(Q8Order q8Order) {
        this.q8Order = java.util.Objects.requireNonNull(q8Order, "q8Order");
    }

    /** The float order of the Q8_0 products. */
    public Q8Order q8Order() {
        return q8Order;
    }

    /** "java-scalar", then {@link Q8Order#kernelNameSuffix()}. */
    @Override
    public String name() {
        return "java-scalar" + q8Order.kernelNameSuffix();
    }

    /**
     * How products with weights of type {@code t} run in the block order: {@link BlockFormat#of}, but none for Q8_0 in
     * llama.cpp's x86 order (its own kernels and activations, {@link Q8Rows}); null for F32, F16 and BF16.
     */
    final BlockFormat blockFormat(GgmlType t) {
        return t == GgmlType.Q8_0 && q8Order == Q8Order.X86 ? null : BlockFormat.of(t);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w) {
        return prepare(a, m, k, w, null);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse) {
        return prepare(a, m, k, w, reuse, SERIAL);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse, RowSplitter rows) {
        if (k != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + k + " columns, weights " + w.cols());
        if (m < 0 || (long) m * k > a.length) throw new IllegalArgumentException("activations: " + m + " x " + k + " > array length " + a.length);
        BlockFormat f = blockFormat(w.type());
        if (f != null) return BlockActivations.quantize(a, m, k, f.activations, reuse instanceof BlockActivations r ? r : null, rows, quantFloatGroup(f.activations, m));
        return w.type() == GgmlType.Q8_0 ? Q8Rows.quantize(a, m, k, reuse instanceof Q8Rows r ? r : null, rows, readsDequantized()) : new FloatRows(a, m, k);
    }

    @Override
    public boolean sharesActivations(GgmlType prepared, GgmlType next) {
        BlockFormat a = blockFormat(prepared), b = blockFormat(next);
        return prepared == next || a != null && b != null && a.activations == b.activations;
    }

    /**
     * The rows per group of the float quants {@link #matmulBlocks} reads ({@link BlockActivations#qf()}) from {@code m} rows
     * of activations of type {@code activations}; 0 for none (the scalar product reads the int8 quants).
     */
    int quantFloatGroup(GgmlType activations, int m) {
        return 0;
    }

    /** Whether {@link #matmulQ8} reads {@link Q8Rows#dq()} (the scalar product reads q and d only). */
    boolean readsDequantized() {
        return false;
    }

    /** Validates a tile request; the kernels below then index without checks of their own. */
    final void checkTile(Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (a.cols() != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + a.cols() + " columns, weights " + w.cols());
        if (n0 < 0 || n1 > w.rows() || n0 > n1) throw new IndexOutOfBoundsException(w.name() + ": rows [" + n0 + ", " + n1 + ") of " + w.rows());
        if (ldOut < n1 || (a.rows() > 0 && (long) (a.rows() - 1) * ldOut + n1 > out.length))
            throw new IndexOutOfBoundsException(w.name() + ": output of " + out.length + " floats too small for " + a.rows() + " rows of stride " + ldOut);
        BlockFormat f = blockFormat(w.type());
        boolean matches = f != null ? a instanceof BlockActivations b && b.type() == f.activations
                : w.type() == GgmlType.Q8_0 ? a instanceof Q8Rows : a instanceof FloatRows;
        if (!matches) throw new IllegalArgumentException(w.name() + ": activations were not prepared for " + w.type() + " weights by this backend");
    }

    @Override
    public void matmul(Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        checkTile(a, w, n0, n1, out, ldOut);
        if (a instanceof Q8Rows q) matmulQ8(q, w, n0, n1, out, ldOut);
        else if (a instanceof BlockActivations b) matmulBlocks(blockFormat(w.type()), b, w, n0, n1, out, ldOut, UNPACKED.get());
        else matmulFloat((FloatRows) a, w, n0, n1, out, ldOut);
    }

    /** Each thread's unpacked weight row (grown to the longest row). */
    private static final ThreadLocal<BlockFormat.Unpacked> UNPACKED = ThreadLocal.withInitial(BlockFormat.Unpacked::new);

    /** Products of the {@link BlockFormat} types in the block order ({@link BlockDot}); Q8_0's too, unless in the x86 order. */
    void matmulBlocks(BlockFormat f, BlockActivations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut, BlockFormat.Unpacked u) {
        BlockDot.matmul(f, a, w.data(), w.rowBytes(), n0, n1, out, ldOut, u);
    }

    /** Q8_0 products in llama.cpp's x86 (tinyBLAS) float order ({@link Q8Order#X86}), bit for bit ({@link GgmlQ8Matmul}). */
    void matmulQ8(Q8Rows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        GgmlQ8Matmul.scalar(a, w.data(), n0, n1, out, ldOut);
    }

    /**
     * F32 products (F16/BF16 rows converted to F32 first) in llama.cpp's order: tinyBLAS when the row length is
     * a multiple of 16, else {@code ggml_vec_dot_f32} ({@link GgmlF32}).
     */
    void matmulFloat(FloatRows a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        int k = a.cols();
        float[] row = new float[k], scratch = new float[16];
        for (int n = n0; n < n1; n++) {
            WeightRows.dequantizeRow(w, n, row, 0);
            for (int i = 0; i < a.rows(); i++)
                out[i * ldOut + n] = k % 16 == 0 ? GgmlF32.tinyBlasDot(a.a(), i * k, row, 0, k, scratch)
                        : GgmlF32.vecDot(a.a(), i * k, 1, row, 0, 1, k);
        }
    }

    @Override
    public void rmsNorm(float[] x, int off, int rows, int n, float[] w, float eps) {
        if (w.length < n) throw new IllegalArgumentException("norm weights: " + w.length + " < " + n);
        for (int r = 0; r < rows; r++) {
            int o = off + r * n;
            double sum = 0;
            for (int j = 0; j < n; j++) sum += x[o + j] * x[o + j];
            float mean = (float) (sum / n);
            float scale = 1.0f / (float) Math.sqrt(mean + eps);
            for (int j = 0; j < n; j++) x[o + j] = (x[o + j] * scale) * w[j];
        }
    }

    @Override
    public void geluMul(float[] gate, float[] up, int count) {
        for (int i = 0; i < count; i++) gate[i] = GeluTable.geluMul(gate[i], up[i]);
    }

    @Override
    public void ropeNeox(float[] x, int rowOff, int tokens, int rowStride, int heads, int headDim,
                         float[] cos, float[] sin, float scale) {
        int half = headDim / 2;
        if ((long) tokens * half > cos.length) throw new IllegalArgumentException("RoPE table covers " + cos.length / half + " positions, " + tokens + " needed");
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int o = (rowOff + t) * rowStride + h * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[t * half + i], s = sin[t * half + i];
                    float x0 = x[o + i], x1 = x[o + i + half];
                    x[o + i] = GgmlF32.rotate0(x0, x1, c, s);
                    x[o + i + half] = GgmlF32.rotate1(x0, x1, c, s);
                }
                if (scale != 1f) for (int j = 0; j < headDim; j++) x[o + j] *= scale;
            }
        }
    }

    /** Each thread's row of attention scores or pooling weights (grown, never shrunk) and its 64 rowDot accumulators. */
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[][] {new float[64]});
    private static final ThreadLocal<float[]> ACC64 = ThreadLocal.withInitial(() -> new float[64]);

    /** At least {@code n} floats of this thread's row scratch (contents stale). */
    static float[] rowScratch(int n) {
        float[][] holder = ROW.get();
        if (holder[0].length < n) holder[0] = new float[Math.max(n, 2 * holder[0].length)];
        return holder[0];
    }

    /** Queries handled together: their score rows are the only scratch (QUERY_BLOCK x tokens floats). */
    static final int QUERY_BLOCK = 16;

    /**
     * Per query row: scores {@code K.q} ({@code ggml_vec_dot_f32} over the head), ggml's softmax over the row
     * ({@link GgmlExp}), then {@code P.V} as {@code ggml_vec_dot_f32} over the row's keys. Masked keys contribute
     * exact zeros in llama.cpp, so only the visible range is visited, each key in the accumulator its position
     * in the full row gives it ({@link #rowDot}). Scratch: one row of {@code tokens} floats.
     */
    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                          int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow, int queryFrom, int queryTo) {
        java.util.Objects.checkFromToIndex(queryFrom, queryTo, tokens);
        int g = head / (nHead / nHeadKv);
        int qStride = nHead * headDim, kStride = nHeadKv * headDim, vStride = nHeadKv * headDimV, oStride = nHead * headDimV;
        float[] p = rowScratch(tokens);
        float[] acc = ACC64.get();
        for (int i = queryFrom; i < queryTo; i++) {
            int lo = firstKey(i, halfWindow), hi = lastKey(i, tokens, halfWindow);
            int qo = (rowOff + i) * qStride + head * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = lo; j <= hi; j++) {
                float s = GgmlF32.vecDot(k, (rowOff + j) * kStride + g * headDim, 1, q, qo, 1, headDim);
                p[j] = s;
                max = Math.max(max, s);
            }
            float inv = GgmlExp.softmax(p, lo, hi, tokens, max);
            for (int j = lo; j <= hi; j++) p[j] *= inv;
            int oo = (rowOff + i) * oStride + head * headDimV;
            for (int d = 0; d < headDimV; d++)
                out[oo + d] = rowDot(v, (rowOff) * vStride + g * headDimV + d, vStride, p, lo, hi, tokens, acc);
        }
    }

    /** The first key query {@code i} sees: the symmetric window {@code |i-j| <= halfWindow}, or every key when {@code halfWindow < 0}. */
    static int firstKey(int i, int halfWindow) {
        return halfWindow < 0 ? 0 : Math.max(0, i - halfWindow);
    }

    /** The last key query {@code i} of {@code tokens} sees (see {@link #firstKey}). */
    static int lastKey(int i, int tokens, int halfWindow) {
        return halfWindow < 0 ? tokens - 1 : Math.min(tokens - 1, i + halfWindow);
    }

    /**
     * {@code ggml_vec_dot_f32(n, x, y)} over a row of {@code n} entries of which only {@code lo..hi} are non-zero
     * in {@code y}: same accumulator per position (chunks of 64 as four 16-lane FMA accumulators, then the
     * unfused tail), zero terms skipped since they leave every sum unchanged.
     */
    static float rowDot(float[] x, int xo, int xs, float[] y, int lo, int hi, int n, float[] acc) {
        int np = n & ~63;
        float sum = 0f;
        if (np > 0 && lo < np) {
            java.util.Arrays.fill(acc, 0f);
            for (int j = lo; j <= hi && j < np; j++) acc[j & 63] = Math.fma(x[xo + j * xs], y[j], acc[j & 63]);
            for (int l = 0; l < 16; l++) {
                acc[l] += acc[32 + l];
                acc[16 + l] += acc[48 + l];
            }
            for (int l = 0; l < 16; l++) acc[l] += acc[16 + l];
            sum = GgmlF32.reduce16(acc, 0);
        }
        for (int j = Math.max(np, lo); j <= hi; j++) sum += x[xo + j * xs] * y[j];
        return sum;
    }

    /** Replaces p[lo..hi] by expf(p - max) and returns (float)(1/sum) with the sum in double (ggml_vec_soft_max_f32). */
    static float softmaxInPlace(float[] p, int lo, int hi, float max) {
        double sum = 0;
        for (int j = lo; j <= hi; j++) {
            float e = (float) Math.exp(p[j] - max);
            p[j] = e;
            sum += e;
        }
        return (float) (1.0 / sum);
    }

    @Override
    public void meanPool(float[] x, int rowOff, int tokens, int n, float[] out, int outOff) {
        // llama.cpp pools with a product by a column of 1/T: ggml_vec_dot_f32 over the tokens
        float[] w = rowScratch(tokens);
        java.util.Arrays.fill(w, 0, tokens, 1.0f / tokens);
        for (int j = 0; j < n; j++) out[outOff + j] = GgmlF32.vecDot(x, rowOff * n + j, n, w, 0, 1, tokens);
    }

    @Override
    public void l2Normalize(float[] x, int off, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += x[off + j] * x[off + j];
        float norm = sum > 0 ? (float) (1.0 / Math.sqrt(sum)) : 0f;
        for (int j = 0; j < n; j++) x[off + j] *= norm;
    }
}
