// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

/**
 * Activation buffers of {@link EmbeddingGemma#forward} kept between calls, so a thread that runs batch after
 * batch allocates them once (at its largest batch) instead of per layer. Not thread-safe: one per thread.
 * Buffers may be longer than a batch needs; the forward pass uses explicit lengths.
 */
public final class Scratch {
    /** What each buffer holds (o and d share one: o is added into x before d is computed). */
    enum Slot { X, H, Q, K, V, ATTN, OUT, GATE, UP, POOLED, DENSE2, DENSE3 }

    private final float[][] buffers = new float[Slot.values().length][];
    private int[] tokens;
    private dev.egemma.kernels.Activations prepared;

    /** The activations last prepared for a product (their buffers are reused by the next one), or null. */
    dev.egemma.kernels.Activations prepared() {
        return prepared;
    }

    void prepared(dev.egemma.kernels.Activations a) {
        prepared = a;
    }

    /** The batch's token ids, concatenated: at least {@code length} ints; contents are stale. */
    int[] ints(int length) {
        if (tokens == null || tokens.length < length) tokens = new int[length];
        return tokens;
    }

    /** A buffer of at least {@code length} floats for {@code slot}; contents are stale. */
    float[] floats(Slot slot, int length) {
        float[] b = buffers[slot.ordinal()];
        if (b == null || b.length < length) buffers[slot.ordinal()] = b = new float[length];
        return b;
    }

    /** Bytes held now (for memory accounting): the float buffers and the token ids. */
    public long heldBytes() {
        long n = tokens == null ? 0 : tokens.length;
        for (float[] b : buffers) if (b != null) n += b.length;
        return 4 * n;
    }
}
