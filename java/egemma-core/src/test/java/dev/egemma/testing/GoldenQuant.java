// SPDX-License-Identifier: Apache-2.0
package dev.egemma.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code testdata/golden-quant/} for the entry points' acceptance tests (egemma-core's test JAR): the quantized and
 * Ollama-layout files, llama.cpp's embedding of a text in them, and issue 24's bounds for quantized types.
 * An Ollama blob ({@code <twin>-ollama}) holds its twin's tensors byte for byte, so its truth is the twin's golden.
 */
public final class GoldenQuant {
    public static final double MAX_ABS = 5e-3, MIN_COSINE = 0.9998;

    /** Golden texts that carry EmbeddingGemma's query and document prompts, and the texts under them. */
    public static final String QUERY = "what is the capital of France?", QUERY_PROMPTED = "task: search result | query: " + QUERY;
    public static final String DOCUMENT = "Paris is the capital and most populous city of France.",
            DOCUMENT_PROMPTED = "title: none | text: " + DOCUMENT;

    private static final Map<String, Map<String, float[]>> GOLDENS = new ConcurrentHashMap<>();

    private GoldenQuant() {}

    /** {@code golden-quant/<name>.gguf}, e.g. {@code q256-q4_k_m} or {@code q256-q4_k_m-ollama}. */
    public static Path model(String name) {
        return TestData.file("golden-quant/" + name + ".gguf");
    }

    /** llama.cpp's (normalized) embedding of {@code text} in the file {@code name}. */
    public static float[] embedding(String name, String text) {
        float[] e = GOLDENS.computeIfAbsent(name.replace("-ollama", ""), GoldenQuant::load).get(text);
        if (e == null) throw new IllegalArgumentException("no golden text " + text + " for " + name);
        return e.clone();
    }

    /** Asserts {@code got} is within {@link #MAX_ABS} and {@link #MIN_COSINE} of llama.cpp's embedding of {@code text}. */
    public static void assertMatches(String name, String text, float[] got) {
        float[] gold = embedding(name, text);
        String what = name + " \"" + text + "\"";
        if (got.length != gold.length) throw new AssertionError(what + ": dimension " + got.length + ", llama.cpp " + gold.length);
        double abs = 0, dot = 0, na = 0, nb = 0;
        for (int j = 0; j < got.length; j++) {
            if (!Float.isFinite(got[j])) throw new AssertionError(what + ": non-finite value at " + j);
            abs = Math.max(abs, Math.abs(got[j] - gold[j]));
            dot += (double) got[j] * gold[j];
            na += (double) got[j] * got[j];
            nb += (double) gold[j] * gold[j];
        }
        double cos = dot / Math.sqrt(na * nb);
        if (abs > MAX_ABS || cos < MIN_COSINE)
            throw new AssertionError(what + ": max abs " + abs + " (bound " + MAX_ABS + "), cosine " + cos + " (bound " + MIN_COSINE + ")");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, float[]> load(String twin) {
        try {
            Map<String, Object> root = MiniJson.object(Files.readString(TestData.file("golden-quant/" + twin + ".golden.json")));
            Map<String, float[]> byText = new ConcurrentHashMap<>();
            for (Object o : (List<Object>) root.get("items")) {
                Map<String, Object> it = (Map<String, Object>) o;
                List<Object> l = (List<Object>) it.get("embedding");
                float[] f = new float[l.size()];
                for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
                byText.put((String) it.get("text"), f);
            }
            return byText;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
