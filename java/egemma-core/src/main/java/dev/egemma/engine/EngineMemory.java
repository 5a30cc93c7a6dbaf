// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import dev.egemma.model.ModelConfig;

/**
 * The memory an engine adds to the model file, as a formula of the token budget (the README's
 * "model bytes + f(budget)"). Each batch thread keeps one {@link dev.egemma.model.Scratch}, grown to its
 * largest batch and then reused:
 *
 * <pre>
 *   per token:    4 bytes x (3 n_embd (x, h, o/d) + n_head d_k (q) + n_head_kv (d_k + d_v) (k, v) + n_head d_v (attn) + 2 n_ff (gate, up) + 1 (token id))
 *   per sequence: 4 bytes x (n_embd + dense_2 out + dense_3 out)   (pooled, dense projections)
 *   engine:       batchThreads x (budget x per token + sequences x per sequence)
 * </pre>
 *
 * For EmbeddingGemma-300M (768, 3/1 heads of 256, n_ff 1152) that is 26,628 bytes a token: 109 MB at a 4,096
 * token budget, 27 MB at 1,024. On top, per batch thread and also reused: the kernels' prepared activations (one set,
 * for the widest product input k_max = max(n_embd, n_head d_v, n_ff): on the native backend k_max + 4 k_max/32 bytes a
 * token, 1,296 for the 300M model; on the Java backend 8 k_max + 4 k_max/32 + 8 k_max floats of quantized, dequantized
 * and regrouped rows) and, per compute thread, libegemma's GEMM scratch (~80 bytes per input column) and one row of
 * attention scores (O(tokens of one sequence)).
 */
public final class EngineMemory {
    private EngineMemory() {}

    /** Scratch bytes per token of a batch. */
    public static long bytesPerToken(ModelConfig c) {
        long floats = 3L * c.nEmbd() + (long) c.nHead() * c.headDimK() + (long) c.nHeadKv() * (c.headDimK() + c.headDimV())
                + (long) c.nHead() * c.headDimV() + 2L * c.nFf() + 1;
        return 4 * floats;
    }

    /** Scratch bytes per sequence of a batch ({@code denseOut2}, {@code denseOut3}: 0 without dense layers). */
    public static long bytesPerSequence(ModelConfig c, int denseOut2, int denseOut3) {
        return 4L * (c.nEmbd() + denseOut2 + denseOut3);
    }

    /** Scratch bytes of all batch threads once they have run a full batch of {@code sequences} texts. */
    public static long scratchBytes(ModelConfig c, int denseOut2, int denseOut3, EngineOptions o, int sequences) {
        return o.batchThreads() * (o.maxBatchTokens() * bytesPerToken(c) + sequences * bytesPerSequence(c, denseOut2, denseOut3));
    }
}
