// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The real Gemma 3 tokenizer from testdata/embeddinggemma-vocab.gguf, loaded once per test JVM. */
final class GemmaVocab {
    private static Tokenizer tokenizer;

    private GemmaVocab() {}

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
                tokenizer = Tokenizer.fromGguf(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    /** The raw arrays, for building variants (e.g. with add_space_prefix on). */
    static Tokenizer withSpacePrefix() throws IOException {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            Tokenizer t = tokenizer();
            return new Tokenizer(f.getStringArray("tokenizer.ggml.tokens"), f.getFloatArray("tokenizer.ggml.scores"),
                    f.getIntArray("tokenizer.ggml.token_type"), t.bosId(), t.eosId(), t.unknownId(), t.paddingId(),
                    t.addBos(), t.addEos(), true);
        }
    }
}
