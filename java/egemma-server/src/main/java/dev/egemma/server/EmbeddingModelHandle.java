// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.tokenizer.Encoding;
import dev.egemma.tokenizer.Tokenizer;

import java.util.List;

/**
 * What the server needs from a served model, and nothing more: tokenize, embed token sequences, and the sizes to
 * check requests against. Keeping the server behind this interface lets the model kind change (the Embedder
 * today, the batching engine or a static distilled model later) without touching routes or limits.
 * Implementations are thread-safe.
 */
public interface EmbeddingModelHandle extends AutoCloseable {
    /**
     * Full output width (before any Matryoshka truncation).
     *
     * @return the model's full width, e.g. 768
     */
    int dimension();

    /**
     * Vocabulary size: token ids a request sends must be in {@code [0, vocabSize)}.
     *
     * @return the number of token ids
     */
    int vocabSize();

    /**
     * The most tokens one sequence may have (the model's context).
     *
     * @return the context length in tokens, e.g. 2048
     */
    int contextLength();

    /**
     * Token ids of {@code text} (special tokens added), cut to {@code maxTokens} keeping BOS/EOS, with the full length.
     *
     * @param text      the text (no prompt is added)
     * @param maxTokens the most ids to return, special tokens included
     * @return the ids and the untruncated length
     */
    Encoding tokenize(String text, int maxTokens);

    /**
     * The tokenizer behind {@link #tokenize} (for /tokenize, /decode and left truncation).
     *
     * @return the model's tokenizer
     */
    Tokenizer tokenizer();

    /**
     * L2-normalized full-width embeddings of the sequences, in order. May block; call from a virtual thread.
     *
     * @param sequences token id sequences, each at most {@link #contextLength()} long
     * @return one unit vector of {@link #dimension()} floats per sequence
     */
    default float[][] embed(List<int[]> sequences) {
        return embed(sequences, true);
    }

    /**
     * Full-width embeddings of the sequences, in order: L2-normalized if {@code normalize}, else the pooled,
     * dense-projected vectors as the model gives them (TEI's {@code "normalize": false}). May block.
     *
     * @param sequences token id sequences, each at most {@link #contextLength()} long
     * @param normalize true for unit vectors
     * @return one vector of {@link #dimension()} floats per sequence
     */
    float[][] embed(List<int[]> sequences, boolean normalize);

    /**
     * Embeds one short text, so that the first client request does not pay for first-touch costs (weight pages
     * mapped in, lazy kernels, JIT); the server is ready ({@code /ready}) only after every model has done this.
     */
    default void warmUp() {
        embed(List.of(tokenize("warm-up", contextLength()).ids()), true);
    }

    /**
     * Embeddings cut to their first {@code dimensions} values (0: full width), L2-normalized after the cut if
     * {@code normalize}. This default cuts the normalized full vectors and normalizes again (a static table's way);
     * an Embedder's handle cuts its raw vectors and normalizes once, the bits of an Embedder opened at that width.
     *
     * @param sequences  token id sequences, each at most {@link #contextLength()} long
     * @param normalize  true for unit vectors
     * @param dimensions the width to cut to, 1 to {@link #dimension()}; 0 for full width
     * @return one vector per sequence
     */
    default float[][] embed(List<int[]> sequences, boolean normalize, int dimensions) {
        float[][] full = embed(sequences, normalize);
        if (dimensions == 0) return full;
        return normalize ? EmbeddingService.matryoshka(full, dimensions) : EmbeddingService.prefixes(full, dimensions);
    }

    /**
     * A long text's chunks ({@link dev.egemma.Chunking}) with {@code task}'s prompt (null: none), each vector cut to
     * {@code dimensions} (0: full width) and then L2-normalized if {@code normalize}. May block. Models without a
     * token context (a static table) refuse with a 400.
     *
     * @param text       the text
     * @param chunking   window size, overlap and mode
     * @param task       the prompt; null for none
     * @param dimensions the width to cut to, 1 to {@link #dimension()}; 0 for full width
     * @param normalize  true for unit vectors
     * @return the chunks in text order, with their vectors and spans
     * @throws ApiException a 400 when the model has no token context, or a chunk or the text is too long
     */
    default List<dev.egemma.Chunking.Chunk> embedChunks(String text, dev.egemma.Chunking chunking, dev.egemma.Task task, int dimensions, boolean normalize) {
        throw ApiException.badRequest("this model embeds tokens without context (a static table): it has no chunked or late-chunked embeddings", "model");
    }

    /**
     * A short description for logs, e.g. the backend.
     *
     * @return one line, such as {@code native-avx512, 4 threads, dim 768}
     */
    String describe();

    @Override
    void close();
}
