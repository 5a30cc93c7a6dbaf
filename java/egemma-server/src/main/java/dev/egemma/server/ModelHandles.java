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
        return Emb8File.looksLikeEmb8(file) ? StaticEmbedderHandle.open(file) : EmbedderHandle.open(file, options);
    }
}
