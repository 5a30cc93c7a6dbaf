// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

/**
 * The compute operations of the EmbeddingGemma forward pass, coarse enough that a native implementation
 * makes one downcall per GEMM tile, per attention head or per batch of rows. Implementations own no threads:
 * the caller splits the work (weight-row ranges of a product, heads of a sequence) over its own pool, so every
 * method must be safe to call concurrently on disjoint outputs.
 *
 * <p>Layouts: activations are row-major {@code float[]}, one row per token; weights are {@link WeightMatrix}
 * rows in ggml layout (row {@code n} holds the {@code cols} inputs of output {@code n}). Numerics follow
 * llama.cpp's CPU backend as described in the architecture spec (section 3).
 */
public interface Kernels {

    /** Short name for logs and {@code --stats}. */
    String name();

    /**
     * Prepares {@code m} rows of {@code k} activations (row {@code i} at {@code a[i*k]}) for products with
     * weights of {@code w.type()}: for Q8_0 the rows are quantized per 32-block exactly as ggml's x86
     * {@code quantize_row_q8_0} (d = amax/127 rounded to fp16, q = round-half-even(x * 127/amax)).
     */
    Activations prepare(float[] a, int m, int k, WeightMatrix w);

    /**
     * As {@link #prepare(float[], int, int, WeightMatrix)}, but free to overwrite and return the buffers of
     * {@code reuse}: activations this backend prepared earlier that the caller will not read again (null for none).
     * A thread that runs batch after batch then stops allocating once its buffers fit its largest batch. The default
     * ignores {@code reuse}.
     */
    default Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse) {
        return prepare(a, m, k, w);
    }

    /** Work on rows {@code [r0, r1)} of a batch. */
    @FunctionalInterface
    interface RowRange {
        void run(int r0, int r1);
    }

    /** Covers rows {@code [0, m)} with calls of {@code body} on disjoint ranges, possibly on several threads at once. */
    @FunctionalInterface
    interface RowSplitter {
        void split(int m, RowRange body);
    }

    /** All rows in one call, on the calling thread. */
    RowSplitter SERIAL = (m, body) -> body.run(0, m);

    /**
     * As {@link #prepare(float[], int, int, WeightMatrix, Activations)}, the per-row work (quantization, regrouping)
     * split over row ranges by {@code rows} (the forward pass hands in its thread pool: prepared on one thread, the
     * activations of a product kept the other threads waiting). Every row is prepared alone, so the result does not
     * depend on the split. The default prepares on the calling thread.
     */
    default Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse, RowSplitter rows) {
        return prepare(a, m, k, w, reuse);
    }

    /**
     * The weight types among {@code types} whose products this backend hands to other, slower kernels (the native
     * backend: the types libegemma has no kernel for yet, computed by the Java kernels). Empty by default.
     */
    default java.util.Set<dev.egemma.gguf.GgmlType> delegatedTypes(java.util.Set<dev.egemma.gguf.GgmlType> types) {
        return java.util.Set.of();
    }

    /**
     * Whether activations this backend prepared for weights of type {@code prepared} serve weights of type {@code next}
     * (same row length): true for the same type, and for types whose products quantize the activations the same way
     * (in a Q4_K_M file attn_q is Q4_K and attn_v Q6_K, both with Q8_K activations).
     */
    default boolean sharesActivations(dev.egemma.gguf.GgmlType prepared, dev.egemma.gguf.GgmlType next) {
        return prepared == next;
    }

    /**
     * {@code out[i*ldOut + n] = dot(row i of a, row n of w)} for every row {@code i} of {@code a} and
     * {@code n0 <= n < n1}: one tile of {@code C = A * W^T}.
     */
    void matmul(Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut);

    /**
     * Whether {@link #matmulRows} accepts row ranges of activations prepared for {@code w} (a backend that re-reads
     * all of its activations per tile gains from splitting a big product by rows too).
     */
    default boolean splitsRows(WeightMatrix w) {
        return false;
    }

    /**
     * As {@link #matmul} for rows {@code [m0, m1)} of {@code a} only, where {@code m0} is a multiple of
     * {@link #ROW_SPLIT} (only when {@link #splitsRows} says so; the default handles the whole range only).
     */
    default void matmulRows(Activations a, int m0, int m1, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (m0 != 0 || m1 != a.rows()) throw new UnsupportedOperationException(name() + " computes products over all rows only");
        matmul(a, w, n0, n1, out, ldOut);
    }

    /** Granularity of the row ranges of {@link #matmulRows}. */
    int ROW_SPLIT = 32;

    /**
     * RMSNorm of {@code rows} rows of length {@code n} starting at {@code x[off]}, in place:
     * {@code x = (x * (1/sqrtf(mean(x^2) + eps))) * w}, the sum of squares accumulated in double.
     */
    void rmsNorm(float[] x, int off, int rows, int n, float[] w, float eps);

    /**
     * {@code gate[i] = gelu_tanh(gate[i]) * up[i]} for {@code i < count}, GELU through ggml's fp16 table
     * (x rounded to fp16; 0 below -10, x above 10).
     */
    void geluMul(float[] gate, float[] up, int count);

    /**
     * NEOX RoPE in place on {@code tokens} rows of {@code x} starting at row {@code rowOff} (row length
     * {@code rowStride}), each holding {@code heads} heads of {@code headDim}; token {@code t} has position
     * {@code t}. {@code cos/sin} hold {@code headDim/2} values per position (see {@link RopeTable}).
     * Then every value is multiplied by {@code scale} (1 to skip).
     */
    void ropeNeox(float[] x, int rowOff, int tokens, int rowStride, int heads, int headDim, float[] cos, float[] sin, float scale);

    /**
     * Bidirectional attention of q-head {@code head} of one sequence of {@code tokens} tokens starting at row
     * {@code rowOff} of the batch arrays: {@code out_h = softmax(q_h k_g^T + mask) v_g} with KV head
     * {@code g = head / (nHead/nHeadKv)}. Key {@code j} is visible from query {@code i} iff
     * {@code halfWindow < 0 || |i-j| <= halfWindow}. q has rows of {@code nHead*headDim}, k of
     * {@code nHeadKv*headDim}, v of {@code nHeadKv*headDimV}, out of {@code nHead*headDimV}. Softmax as ggml:
     * exp sums in double, then multiplied by {@code (float)(1/sum)}. Must not need memory quadratic in
     * {@code tokens}.
     */
    default void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                           int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow) {
        attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, halfWindow, 0, tokens);
    }

    /**
     * As {@link #attention(float[], float[], float[], float[], int, int, int, int, int, int, int, int)} for the
     * queries {@code queryFrom <= i < queryTo} of the sequence only (every key still visible to them; the other rows of
     * {@code out} untouched), so that the queries of one long sequence can be split over threads. A query's output does
     * not depend on the range it was computed in.
     */
    void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                   int nHead, int nHeadKv, int headDim, int headDimV, int head, int halfWindow, int queryFrom, int queryTo);

    /**
     * As {@link #attention(float[], float[], float[], float[], int, int, int, int, int, int, int, int, int, int)} for
     * every query head that reads KV head {@code kvHead} (heads {@code kvHead*r .. kvHead*r+r-1}, {@code r =
     * nHead/nHeadKv}): the same bits as calling it for each of them, with what those calls share done once (libegemma
     * copies the KV head's rows into aligned memory once for all of them).
     */
    default void attentionKvGroup(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens,
                                  int nHead, int nHeadKv, int headDim, int headDimV, int kvHead, int halfWindow, int queryFrom, int queryTo) {
        int first = firstQueryHead(nHead, nHeadKv, kvHead), rep = nHead / nHeadKv;
        for (int h = first; h < first + rep; h++)
            attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, h, halfWindow, queryFrom, queryTo);
    }

    /** The first of the {@code nHead/nHeadKv} query heads that read KV head {@code kvHead}; the shape checked. */
    static int firstQueryHead(int nHead, int nHeadKv, int kvHead) {
        if (nHeadKv <= 0 || nHead % nHeadKv != 0 || kvHead < 0 || kvHead >= nHeadKv)
            throw new IllegalArgumentException("attention: KV head " + kvHead + " of " + nHead + "/" + nHeadKv + " heads");
        return kvHead * (nHead / nHeadKv);
    }

    /** {@code out[outOff + j] = sum_t x[(rowOff+t)*n + j] * (1f/tokens)}: mean over the rows of one sequence. */
    void meanPool(float[] x, int rowOff, int tokens, int n, float[] out, int outOff);

    /** L2-normalizes {@code x[off..off+n)} in place: sum of squares in double, {@code x * (float)(1/sqrt(sum))}. */
    void l2Normalize(float[] x, int off, int n);
}
