// SPDX-License-Identifier: Apache-2.0
package dev.egemma.synth;

import dev.egemma.gguf.GgmlType;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape and options of a synthetic {@code gemma-embedding} model. {@link #small()} matches the golden
 * test models, {@link #full()} the exact EmbeddingGemma-300M shapes. Setters return {@code this}.
 */
public final class SynthSpec {
    /** The architecture's name, which also prefixes its keys. */
    public static final String EMBEDDING = "gemma-embedding", GEMMA3 = "gemma3";

    public String preset = "custom";
    /**
     * {@link #EMBEDDING} (an EmbeddingGemma, as llama.cpp converts it) or {@link #GEMMA3}: a causal Gemma 3 language
     * model such as Gemma 3 270M (no pooling, no Dense layers, BOS added but not EOS), whose token embeddings the
     * original prep tool distils.
     */
    public String architecture = EMBEDDING;
    public int nEmbd, nLayer, nHead, nHeadKv, headDim, nFf, slidingWindow;
    /** Width of the dense_2/dense_3 projection (n_embd -> dense -> n_embd); 0 for none. */
    public int dense;
    public int contextLength = 2048;
    public float ropeFreqBase = 1_000_000f;
    public float rmsEps = 1e-6f;
    public GgmlType type = GgmlType.Q8_0;
    public long seed = 1234;
    /** Number of vocabulary entries kept from the vocab GGUF; 0 keeps them all. */
    public int vocabSize;

    /** Like the golden models: n_embd 64, 6 layers, 3 heads / 1 kv head, head_dim 32, n_ff 128, window 8. */
    public static SynthSpec small() {
        SynthSpec s = new SynthSpec();
        s.preset = "small";
        s.nEmbd = 64;
        s.nLayer = 6;
        s.nHead = 3;
        s.nHeadKv = 1;
        s.headDim = 32;
        s.nFf = 128;
        s.slidingWindow = 8;
        s.vocabSize = 16384;
        return s;
    }

    /** EmbeddingGemma-300M: 768 wide, 24 layers, 3/1 heads of 256, n_ff 1152, window 512, dense 768->3072->768. */
    public static SynthSpec full() {
        SynthSpec s = new SynthSpec();
        s.preset = "full";
        s.nEmbd = 768;
        s.nLayer = 24;
        s.nHead = 3;
        s.nHeadKv = 1;
        s.headDim = 256;
        s.nFf = 1152;
        s.slidingWindow = 512;
        s.dense = 3072;
        s.vocabSize = 0;
        return s;
    }

    /**
     * A tiny causal Gemma 3 ({@link #GEMMA3}) with the whole vocabulary: n_embd 64, one layer, the rest like
     * {@link #small()}. Gemma 3 270M has the same vocabulary and architecture, 640 wide and 18 layers.
     */
    public static SynthSpec gemma3Tiny() {
        SynthSpec s = small();
        s.preset = "gemma3-tiny";
        s.architecture = GEMMA3;
        s.nLayer = 1;
        s.vocabSize = 0;
        return s;
    }

    public static SynthSpec preset(String name) {
        return switch (name) {
            case "small" -> small();
            case "full" -> full();
            case "gemma3-tiny" -> gemma3Tiny();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (small, full, gemma3-tiny)");
        };
    }

    /** Every problem with this spec (empty when it can be generated). */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        positive(p, "n_embd", nEmbd);
        positive(p, "n_layer", nLayer);
        positive(p, "n_head", nHead);
        positive(p, "n_head_kv", nHeadKv);
        positive(p, "head_dim", headDim);
        positive(p, "n_ff", nFf);
        positive(p, "sliding_window", slidingWindow);
        if (nHeadKv > 0 && nHead % nHeadKv != 0) p.add("n_head " + nHead + " is not a multiple of n_head_kv " + nHeadKv);
        if (headDim % 2 != 0) p.add("head_dim " + headDim + " must be even (RoPE rotates pairs)");
        if (dense < 0) p.add("dense " + dense + " must be >= 0");
        if (!architecture.equals(EMBEDDING) && !architecture.equals(GEMMA3)) p.add("architecture '" + architecture + "' is not " + EMBEDDING + " or " + GEMMA3);
        if (architecture.equals(GEMMA3) && dense != 0) p.add("a causal " + GEMMA3 + " model has no Dense layers (dense " + dense + ")");
        if (vocabSize < 0) p.add("vocab size " + vocabSize + " must be >= 0");
        if (!(type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16 || type == GgmlType.Q8_0))
            p.add("type " + type + " is not one of F32, F16, BF16, Q8_0");
        if (type.blockSize > 1) {
            // Every matrix's input dimension (ne0) must hold whole blocks.
            int[] inputs = dense > 0 ? new int[] {nEmbd, nHead * headDim, nFf, dense} : new int[] {nEmbd, nHead * headDim, nFf};
            for (int in : inputs)
                if (in % type.blockSize != 0) p.add("input dimension " + in + " is not a multiple of " + type + "'s block size " + type.blockSize);
        }
        return p;
    }

    private static void positive(List<String> p, String name, int v) {
        if (v <= 0) p.add(name + " " + v + " must be positive");
    }

    /** What {@code general.file_type} llama.cpp writes for a file whose matrices are {@code type}. */
    public int fileType() {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalStateException(type.toString());
        };
    }

    public String modelName() {
        return (architecture.equals(GEMMA3) ? "synthetic-gemma3-" : "synthetic-embeddinggemma-") + preset + "-" + type.name().toLowerCase(java.util.Locale.ROOT) + "-seed" + seed;
    }
}
