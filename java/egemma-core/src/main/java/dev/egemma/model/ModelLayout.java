// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;

/**
 * Which of the two EmbeddingGemma GGUF layouts a file uses, and so under which prefix its hyper-parameters are and
 * which names its output norm and Dense tensors have:
 * <ul>
 *   <li>llama.cpp's: {@code general.architecture = gemma-embedding}, {@code dense_2.weight} / {@code dense_3.weight};
 *   <li>Ollama's embedding blobs: {@code general.architecture = gemma3} (the architecture of Gemma 3's causal chat
 *       models too), told apart by {@code gemma3.pooling_type} (not 0) or a {@code dense.0.weight} tensor, the Dense
 *       tensors named {@code dense.0.weight} / {@code dense.1.weight}.
 * </ul>
 * The final norm is {@code output_norm.weight} or, in some conversions, {@code norm.weight}. Any other file is refused
 * here with one line that says what was found and why it is not an EmbeddingGemma.
 */
public record ModelLayout(String architecture, String prefix, String outputNorm, String dense2, String dense3) {

    public static final String EMBEDDING_ARCH = "gemma-embedding";
    public static final String OLLAMA_ARCH = "gemma3";
    private static final String OUTPUT_NORM = "output_norm.weight", NORM = "norm.weight";
    private static final String DENSE_2 = "dense_2.weight", DENSE_3 = "dense_3.weight";
    private static final String OLLAMA_DENSE_2 = "dense.0.weight", OLLAMA_DENSE_3 = "dense.1.weight";

    /** The layout of {@code f}; throws IllegalArgumentException (one line, naming the file) for anything else. */
    public static ModelLayout of(GgufFile f) {
        String arch = f.getString("general.architecture", null);
        if (arch == null) throw refuse(f, "no general.architecture key: not a model file (" + EXPECTED + ")");
        String prefix = arch + ".";
        String norm = f.tensor(OUTPUT_NORM) == null && f.tensor(NORM) != null ? NORM : OUTPUT_NORM;
        ModelLayout layout = switch (arch) {
            case EMBEDDING_ARCH -> new ModelLayout(arch, prefix, norm, DENSE_2, DENSE_3);
            case OLLAMA_ARCH -> {
                String pooling = prefix + "pooling_type";
                if (f.getLong(pooling, 0) == 0 && f.tensor(OLLAMA_DENSE_2) == null)
                    throw refuse(f, "general.architecture is 'gemma3' with no " + pooling + " and no " + OLLAMA_DENSE_2
                            + ": a causal Gemma 3 (chat) model, not an EmbeddingGemma (" + EXPECTED + ")");
                yield new ModelLayout(arch, prefix, norm, OLLAMA_DENSE_2, OLLAMA_DENSE_3);
            }
            default -> throw refuse(f, "general.architecture is '" + arch + "', " + whatItIs(arch) + " (" + EXPECTED + ")");
        };
        String causal = prefix + "attention.causal";
        // llama.cpp ignores this key for gemma-embedding, but a file that says it is causal was not made for embedding.
        if (f.getBoolean(causal, false))
            throw refuse(f, causal + " is true: a causal model; EmbeddingGemma attends both ways, so the file cannot be one");
        return layout;
    }

    private static final String EXPECTED = "egemma runs '" + EMBEDDING_ARCH + "' files and Ollama's '" + OLLAMA_ARCH + "' embedding blobs";

    private static String whatItIs(String arch) {
        // gemma-embedding2 and the like: a later EmbeddingGemma generation, whose graph egemma (and llama.cpp v0.5.0) lack.
        return arch.startsWith(EMBEDDING_ARCH) ? "an embedding architecture other than EmbeddingGemma's" : "not an EmbeddingGemma";
    }

    private static IllegalArgumentException refuse(GgufFile f, String why) {
        return new IllegalArgumentException(f.path() + ": " + why);
    }
}
