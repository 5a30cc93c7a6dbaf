// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What libegemma must compute with {@link dev.egemma.Q8Order#BLOCK}, in plain Java that shares no code with it: the Java
 * kernels given, except that Q8_0 products are {@link #blockOrder} on activations quantized by
 * {@link Q8GemmNativeParityTest#quantize}. Every other native kernel (quantizer, float products, row ops, attention)
 * is bit-identical to the Java kernels, so a forward pass on these kernels is the expected result of the native
 * backend in block order. Slow (scalar loops); for tests on small models.
 */
public final class BlockOrderKernels implements Kernels {

    private static final ValueLayout.OfShort FP16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Kernels base;

    /** @param base the Java kernels for everything but the Q8_0 products */
    public BlockOrderKernels(Kernels base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /** Activations of a Q8_0 product: ggml's x86 quantization, one float scale per 32-block. */
    record Quantized(byte[] q, float[] d, int rows, int cols) implements Activations {}

    @Override
    public String name() {
        return "block-order-reference(" + base.name() + ")";
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w) {
        return prepare(a, m, k, w, null, SERIAL);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse) {
        return prepare(a, m, k, w, reuse, SERIAL);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse, RowSplitter rows) {
        if (w.type() != GgmlType.Q8_0) return base.prepare(a, m, k, w, reuse instanceof Quantized ? null : reuse, rows);
        if (k != w.cols() || (long) m * k > a.length) throw new IllegalArgumentException(w.name() + ": " + m + " x " + k + " activations");
        byte[] q = new byte[m * k];
        float[] d = new float[m * (k / 32)];
        Q8GemmNativeParityTest.quantize(a, m, k, q, d);
        return new Quantized(q, d, m, k);
    }

    @Override
    public void matmul(Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (a instanceof Quantized qa) blockOrder(qa.q(), qa.d(), qa.rows(), qa.cols(), w.data(), n0, n1, out, ldOut);
        else base.matmul(a, w, n0, n1, out, ldOut);
    }

    /**
     * The block order of include/egemma.h, from its definition: {@code out[i*ldOut + j]} for {@code i < m},
     * {@code n0 <= j < n1} is {@code acc = 0}, then for each 32-block b in order
     * {@code acc = fma((float) isum_b, d_w * d_a, acc)}: isum_b the exact int dot of the block's quants, d_w the weight
     * block's fp16 scale widened, d_a the activation block's scale ({@code d}). {@code w}: ggml Q8_0 rows of k.
     */
    static void blockOrder(byte[] q, float[] d, int m, int k, MemorySegment w, int n0, int n1, float[] out, int ldOut) {
        int nb = k / 32;
        for (int j = n0; j < n1; j++) {
            for (int i = 0; i < m; i++) {
                float acc = 0f;
                for (int blk = 0; blk < nb; blk++) {
                    long o = ((long) j * nb + blk) * 34;
                    int isum = 0;
                    for (int t = 0; t < 32; t++) isum += q[i * k + blk * 32 + t] * w.get(ValueLayout.JAVA_BYTE, o + 2 + t);
                    float dw = Float.float16ToFloat(w.get(FP16, o));
                    acc = Math.fma((float) isum, dw * d[i * nb + blk], acc);
                }
                out[i * ldOut + j] = acc;
            }
        }
    }

    @Override
    public void rmsNorm(float[] x, int off, int rows, int n, float[] w, float eps) {
        base.rmsNorm(x, off, rows, n, w, eps);
    }

    @Override
    public void geluMul(float[] gate, float[] up, int count) {
        base.geluMul(gate, up, count);
    }

    @Override
    public void ropeNeox(float[] x, int rowOff, int tokens, int rowStride, int heads, int headDim, float[] cos, float[] sin, float scale) {
        base.ropeNeox(x, rowOff, tokens, rowStride, heads, headDim, cos, sin, scale);
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv, int headDim,
                          int headDimV, int head, int halfWindow, int queryFrom, int queryTo) {
        base.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, halfWindow, queryFrom, queryTo);
    }

    @Override
    public void attentionKvGroup(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv, int headDim,
                                 int headDimV, int kvHead, int halfWindow, int queryFrom, int queryTo) {
        base.attentionKvGroup(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, kvHead, halfWindow, queryFrom, queryTo);
    }

    @Override
    public void meanPool(float[] x, int rowOff, int tokens, int n, float[] out, int outOff) {
        base.meanPool(x, rowOff, tokens, n, out, outOff);
    }

    @Override
    public void l2Normalize(float[] x, int off, int n) {
        base.l2Normalize(x, off, n);
    }
}
