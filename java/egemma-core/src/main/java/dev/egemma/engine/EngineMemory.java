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
 * token budget, 27 MB at 1,024. Not included: the kernels' prepared activations (for Q8_0, quantized rows,
 * allocated per product and collected by the GC: at most budget x n_ff x 4 bytes live at a time) and each
 * attention call's row buffers (O(tokens of one sequence)).
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
