// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;
import dev.egemma.gguf.GgufWriter;
import dev.egemma.testing.TestData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Edited copies of the small golden model (64 wide, 6 layers, Dense 64 -> 256 -> 64, Q8_0), for loader tests. */
final class GgufVariants {
    static final String BASE = "golden/small-dense-q8_0.gguf";

    private GgufVariants() {}

    /** The golden model as llama.cpp lays it out, edited by {@code edit}, written to {@code dir/name}. */
    static Path llamaCpp(Path dir, String name, Consumer<GgufWriter> edit) throws IOException {
        return write(dir, name, false, edit);
    }

    /** The golden model in Ollama's blob layout, then edited by {@code edit}, written to {@code dir/name}. */
    static Path ollama(Path dir, String name, Consumer<GgufWriter> edit) throws IOException {
        return write(dir, name, true, edit);
    }

    private static Path write(Path dir, String name, boolean ollama, Consumer<GgufWriter> edit) throws IOException {
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(TestData.file(BASE))) {
            GgufWriter w = ollama ? toOllama(f) : GgufWriter.copyOf(f);
            edit.accept(w);
            w.write(out);
        }
        return out;
    }

    /**
     * As Ollama's 2025 embeddinggemma blobs: {@code gemma3} architecture and key prefix, no {@code dense_*_feat_*}
     * keys, the Dense tensors named {@code dense.0.weight} / {@code dense.1.weight}; tensor bytes untouched.
     */
    static GgufWriter toOllama(GgufFile f) {
        GgufWriter w = new GgufWriter();
        Map<String, GgufValue> keys = new LinkedHashMap<>(f.metadata());
        keys.put("general.architecture", GgufValue.of(GgufValueType.STRING, "gemma3"));
        keys.forEach((k, v) -> {
            if (k.contains("dense_")) return;
            w.put(k.startsWith("gemma-embedding.") ? "gemma3." + k.substring("gemma-embedding.".length()) : k, v);
        });
        for (GgufTensor t : f.tensors().values()) {
            String n = t.name().replace("dense_2.", "dense.0.").replace("dense_3.", "dense.1.");
            w.tensor(n, t.type(), t.shape(), t.data());
        }
        return w;
    }
}
