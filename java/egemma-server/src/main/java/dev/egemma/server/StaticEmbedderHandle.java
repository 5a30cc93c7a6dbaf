// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.staticembed.StaticEmbedder;
import dev.egemma.tokenizer.Encoding;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.Truncation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A served distilled static table (EMB8, {@link StaticEmbedder}): tokenized by the teacher's tokenizer, the token
 * rows averaged and normalized on the request's worker thread (microseconds per text, so no pool of its own).
 * Token-id inputs are taken as the teacher tokenizes (BOS/EOS included), as for a GGUF model.
 */
public final class StaticEmbedderHandle implements EmbeddingModelHandle {
    /**
     * A static table has no context window; the server's --max-tokens-per-input alone bounds an input. This is
     * the teacher's window, reported so clients see the same limit for the static and the full model.
     */
    static final int CONTEXT = 2048;

    private final StaticEmbedder embedder;

    /**
     * Serves {@code embedder}, which the handle closes.
     *
     * @param embedder the table
     */
    public StaticEmbedderHandle(StaticEmbedder embedder) {
        this.embedder = embedder;
    }

    /**
     * Opens an EMB8 table that holds its tokenizer.
     *
     * @param emb8 the table
     * @return the handle
     * @throws IOException if the file cannot be read or is malformed
     */
    public static StaticEmbedderHandle open(Path emb8) throws IOException {
        return new StaticEmbedderHandle(StaticEmbedder.open(emb8));
    }

    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public int vocabSize() {
        return embedder.file().vocabSize();
    }

    @Override
    public int contextLength() {
        return CONTEXT;
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
        float[][] out = new float[sequences.size()][];
        for (int i = 0; i < out.length; i++) out[i] = embedder.embedSequence(sequences.get(i), normalize);
        return out;
    }

    @Override
    public String describe() {
        return "static EMB8, vocab " + vocabSize() + ", dim " + dimension();
    }

    @Override
    public void close() {
        embedder.close();
    }
}
