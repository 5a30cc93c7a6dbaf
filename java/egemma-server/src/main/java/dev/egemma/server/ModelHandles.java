// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Embedder;
import dev.egemma.staticembed.Emb8File;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a model file as the kind it is: an EMB8 static table (by its magic) or a gemma-embedding GGUF. */
public final class ModelHandles {
    private ModelHandles() {}

    /**
     * {@code options} apply to GGUF models only (a static table has no kernels or threads to choose).
     *
     * @param file    an EMB8 table or a gemma-embedding GGUF
     * @param options how to open a GGUF
     * @return the handle, an {@link EmbedderHandle} or a {@link StaticEmbedderHandle}
     * @throws IOException if the file cannot be read or is malformed
     */
    public static EmbeddingModelHandle open(Path file, Embedder.Options options) throws IOException {
        return open(file, options, null);
    }

    /**
     * As {@link #open(Path, Embedder.Options)}; {@code tokenizer} (a GGUF or SentencePiece's {@code tokenizer.model},
     * or null) is a static table's tokenizer: needed by version 1 tables (the original prep tool's layout), and it
     * replaces a version 2 table's own. A GGUF model holds its tokenizer: one given for it is refused.
     *
     * @param file      an EMB8 table or a gemma-embedding GGUF
     * @param options   how to open a GGUF
     * @param tokenizer a static table's tokenizer file, or null for the table's own
     * @return the handle, an {@link EmbedderHandle} or a {@link StaticEmbedderHandle}
     * @throws IOException if a file cannot be read or is malformed
     * @throws IllegalArgumentException if {@code tokenizer} is given for a GGUF model
     */
    public static EmbeddingModelHandle open(Path file, Embedder.Options options, Path tokenizer) throws IOException {
        if (Emb8File.looksLikeEmb8(file)) return new StaticEmbedderHandle(dev.egemma.staticembed.StaticEmbedder.open(file, tokenizer));
        if (tokenizer != null) throw new IllegalArgumentException("a tokenizer is for static EMB8 tables; " + file + " is not one (a GGUF model holds its tokenizer)");
        return EmbedderHandle.open(file, options);
    }
}
