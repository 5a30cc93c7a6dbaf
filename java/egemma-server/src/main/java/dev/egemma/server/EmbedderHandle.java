// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Embedder;
import dev.egemma.tokenizer.Encoding;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.Truncation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A served model over {@link Embedder}: concurrent requests call its thread-safe synchronous batch API and share
 * its worker pool. The Embedder is opened with full width, no normalization and no task, so per-request
 * options (dimensions, task, truncation, normalize) are applied by the server, not baked into the model; the
 * normalization is the Embedder's own ({@link Embedder#normalize}), so normalized vectors have the bits a
 * normalizing Embedder gives.
 */
public final class EmbedderHandle implements EmbeddingModelHandle {
    private final Embedder embedder;

    /**
     * Serves {@code embedder}, which the handle closes.
     *
     * @param embedder an Embedder opened at full width, without normalization or task
     * @throws IllegalArgumentException if it is opened otherwise
     */
    public EmbedderHandle(Embedder embedder) {
        this.embedder = embedder;
        Embedder.Options o = embedder.options();
        if (o.dimension() != 0 || o.normalize() || o.task() != null)
            throw new IllegalArgumentException("the server needs an Embedder with full width, normalization off and no task; got " + o);
    }

    /**
     * Opens {@code gguf} with {@code options} forced to full width, unnormalized, no task.
     *
     * @param gguf    the model file
     * @param options threads, backend and batching for the Embedder
     * @return the handle
     * @throws IOException if the file cannot be read
     */
    public static EmbedderHandle open(Path gguf, Embedder.Options options) throws IOException {
        return new EmbedderHandle(Embedder.open(gguf, options.withDimension(0).withNormalize(false).withTask(null)
                .withTruncation(Truncation.TRUNCATE)));
    }

    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public int vocabSize() {
        return embedder.tokenizer().vocabSize();
    }

    @Override
    public int contextLength() {
        return embedder.config().contextLength();
    }

    @Override
    public Encoding tokenize(String text, int maxTokens) {
        return embedder.tokenizer().encode(text, maxTokens, Truncation.TRUNCATE);
    }

    @Override
    public Tokenizer tokenizer() {
        return embedder.tokenizer();
    }

    @Override
    public float[][] embed(List<int[]> sequences, boolean normalize) {
        return embed(sequences, normalize, 0);
    }

    /** The raw vectors (the Embedder is opened unnormalized) cut, then normalized once: an Embedder opened at that width gives these bits. */
    @Override
    public float[][] embed(List<int[]> sequences, boolean normalize, int dimensions) {
        float[][] out = embedder.embedTokenLists(sequences);
        for (int i = 0; i < out.length; i++) out[i] = embedder.cutAndNormalize(out[i], dimensions, normalize, sequences.get(i).length);
        return out;
    }

    /** The Embedder's raw chunk vectors (it is opened unnormalized), cut then normalized as the Embedder's own finish does. */
    @Override
    public List<dev.egemma.Chunking.Chunk> embedChunks(String text, dev.egemma.Chunking chunking, dev.egemma.Task task, int dimensions, boolean normalize) {
        List<dev.egemma.Chunking.Chunk> raw = embedder.embedChunks(text, chunking, task);
        List<dev.egemma.Chunking.Chunk> out = new java.util.ArrayList<>(raw.size());
        for (dev.egemma.Chunking.Chunk c : raw)
            out.add(new dev.egemma.Chunking.Chunk(c.tokenFrom(), c.tokenTo(), c.charFrom(), c.charTo(),
                    embedder.cutAndNormalize(c.vector(), dimensions, normalize, c.tokenTo() - c.tokenFrom())));
        return out;
    }

    @Override
    public String describe() {
        return embedder.backendName() + ", " + embedder.options().threads() + " threads, dim " + embedder.dimension();
    }

    @Override
    public void close() {
        embedder.close();
    }
}
