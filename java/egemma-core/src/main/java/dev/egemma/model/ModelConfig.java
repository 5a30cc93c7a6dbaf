// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;
import dev.egemma.kernels.WeightMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * EmbeddingGemma hyper-parameters as llama.cpp reads them for {@code general.architecture = gemma-embedding}
 * (see the architecture spec, section 1), with llama.cpp's defaults for optional keys; the same keys under
 * {@code gemma3.} for Ollama's blobs ({@link ModelLayout}). {@code slidingLayers} has one entry per layer,
 * true where the layer attends through the sliding window ({@link SlidingLayers}).
 */
public record ModelConfig(
        ModelLayout layout,
        int contextLength,
        int nEmbd,
        int nLayer,
        int nFf,
        int nHead,
        int nHeadKv,
        int headDimK,
        int headDimV,
        int nRot,
        float ropeFreqBase,
        float ropeFreqBaseSwa,
        List<Boolean> slidingLayers,
        int slidingWindow,
        float rmsEps,
        int poolingType,
        int vocabSize,
        int dense2Out,
        int dense3In) {

    /** RoPE base of sliding layers when the file gives none (llama.cpp's default). */
    public static final float ROPE_BASE_SWA = 10_000f;
    public static final int POOLING_MEAN = 1;
    /** llama.cpp's LLAMA_MAX_LAYERS; also keeps a forged block_count from making the checks below run for ever. */
    public static final int MAX_LAYERS = 512;
    /** The largest context_length accepted (see {@link #from}). */
    public static final int MAX_CONTEXT = 131_072;

    public ModelConfig {
        slidingLayers = List.copyOf(slidingLayers);
    }

    /** Reads the hyper-parameters; required keys missing or of the wrong type are reported all at once. */
    public static ModelConfig from(GgufFile f) {
        ModelLayout layout = ModelLayout.of(f);
        String p = layout.prefix();
        List<String> missing = new ArrayList<>();
        for (String k : new String[] {"embedding_length", "block_count", "feed_forward_length", "attention.head_count",
                "attention.sliding_window", "attention.layer_norm_rms_epsilon", "pooling_type"}) {
            if (!f.has(p + k)) missing.add(p + k);
        }
        if (!missing.isEmpty()) throw new IllegalArgumentException(f.path() + ": missing required metadata " + missing);

        int nEmbd = positive(f, p + "embedding_length", f.getInt(p + "embedding_length"));
        int nLayer = positive(f, p + "block_count", f.getInt(p + "block_count"));
        if (nLayer > MAX_LAYERS) throw new IllegalArgumentException(f.path() + ": " + p + "block_count " + nLayer + " exceeds " + MAX_LAYERS);
        int nFf = uniform(f, p + "feed_forward_length");
        int nHead = uniform(f, p + "attention.head_count");
        int nHeadKv = f.has(p + "attention.head_count_kv") ? uniform(f, p + "attention.head_count_kv") : nHead;
        if (nHead % nHeadKv != 0)
            throw new IllegalArgumentException(f.path() + ": head_count " + nHead + " is not a multiple of head_count_kv " + nHeadKv);
        int headDimK = positive(f, p + "attention.key_length", f.getInt(p + "attention.key_length", nEmbd / nHead));
        int headDimV = positive(f, p + "attention.value_length", f.getInt(p + "attention.value_length", nEmbd / nHead));
        int nRot = f.getInt(p + "rope.dimension_count", headDimK);
        if (nRot != headDimK || nRot % 2 != 0)
            throw new IllegalArgumentException(f.path() + ": rope.dimension_count " + nRot + " must equal key_length " + headDimK + " and be even");
        GgufTensor embd = f.tensor("token_embd.weight");
        int vocab = embd != null && embd.shape().length == 2 ? (int) embd.shape()[1] : 0;
        return new ModelConfig(layout,
                contextLength(f, p + "context_length"),
                nEmbd, nLayer, nFf, nHead, nHeadKv, headDimK, headDimV, nRot,
                finitePositive(f, p + "rope.freq_base", f.getFloat(p + "rope.freq_base", 10_000f)),
                // llama.cpp's key, else the name Ollama's Gemma 3 conversions use
                finitePositive(f, p + "rope.freq_base_swa", f.getFloat(p + "rope.freq_base_swa", f.getFloat(p + "rope.local.freq_base", ROPE_BASE_SWA))),
                SlidingLayers.read(f, p + "attention.sliding_window_pattern", nLayer),
                positive(f, p + "attention.sliding_window", f.getInt(p + "attention.sliding_window")),
                finitePositive(f, p + "attention.layer_norm_rms_epsilon", f.getFloat(p + "attention.layer_norm_rms_epsilon")),
                f.getInt(p + "pooling_type"),
                vocab,
                denseWidth(f, p + "dense_2_feat_out", layout.dense2(), 1),
                denseWidth(f, p + "dense_3_feat_in", layout.dense3(), 0));
    }

    /** The metadata key when present (llama.cpp's layout), else the tensor's ggml dimension (Ollama's has no keys). */
    private static int denseWidth(GgufFile f, String key, String tensor, int dim) {
        if (f.has(key)) return f.getInt(key);
        GgufTensor t = f.tensor(tensor);
        return t != null && t.shape().length == 2 && t.shape()[dim] <= Integer.MAX_VALUE ? (int) t.shape()[dim] : 0;
    }

    /**
     * The longest text in tokens: EmbeddingGemma's is 2,048. 0 used to load and fail every text at embed time; a
     * huge one would let one text size the attention's work and memory, so it is bounded by Gemma 3's largest
     * context (128 Ki).
     */
    private static int contextLength(GgufFile f, String key) {
        int v = f.getInt(key, 2048);
        if (v < 1 || v > MAX_CONTEXT) throw new IllegalArgumentException(f.path() + ": " + key + " = " + v + " must be 1.." + MAX_CONTEXT);
        return v;
    }

    /** A float hyper-parameter must be finite and positive: a NaN epsilon or RoPE base loads and gives NaN vectors. */
    private static float finitePositive(GgufFile f, String key, float v) {
        if (!Float.isFinite(v) || v <= 0) throw new IllegalArgumentException(f.path() + ": " + key + " = " + v + " must be finite and positive");
        return v;
    }

    private static int positive(GgufFile f, String key, int v) {
        if (v <= 0) throw new IllegalArgumentException(f.path() + ": " + key + " = " + v + " must be positive");
        return v;
    }

    /** A u32 or a per-layer array whose entries are all equal (llama.cpp allows per-layer arrays). */
    private static int uniform(GgufFile f, String key) {
        GgufValue v = f.value(key);
        if (v.value() instanceof int[] a) {
            if (a.length == 0 || Arrays.stream(a).distinct().count() != 1)
                throw new IllegalArgumentException(f.path() + ": per-layer " + key + " " + Arrays.toString(a) + " is not supported (must be uniform)");
            return positive(f, key, a[0]);
        }
        return positive(f, key, f.getInt(key));
    }

    /** The file's {@code general.architecture}: {@code gemma-embedding}, or {@code gemma3} for Ollama's blobs. */
    public String architecture() {
        return layout.architecture();
    }

    /** True if layer {@code il} uses the symmetric sliding window. */
    public boolean isSliding(int il) {
        return slidingLayers.get(il);
    }

    /** RoPE base of layer {@code il}. */
    public float ropeBase(int il) {
        return isSliding(il) ? ropeFreqBaseSwa : ropeFreqBase;
    }

    public int qDim() {
        return nHead * headDimK;
    }

    public int kvDim() {
        return nHeadKv * headDimK;
    }

    public boolean hasDense() {
        return dense2Out > 0 && dense3In > 0;
    }

    /**
     * Checks that every tensor the model needs exists with the right shape (ggml order) and a type egemma computes
     * ({@link WeightMatrix#SUPPORTED}, per tensor: one file may mix them); returns all problems found (empty when the
     * file is usable), so that a file is refused when it is opened, never in the middle of a run.
     */
    public List<String> tensorProblems(GgufFile f) {
        TensorCheck c = new TensorCheck(f);
        c.matrix("token_embd.weight", nEmbd, vocabSize);
        c.norm(layout.outputNorm(), nEmbd);
        for (int il = 0; il < nLayer; il++) {
            String b = "blk." + il + ".";
            c.norm(b + "attn_norm.weight", nEmbd);
            c.matrix(b + "attn_q.weight", nEmbd, qDim());
            c.matrix(b + "attn_k.weight", nEmbd, kvDim());
            c.matrix(b + "attn_v.weight", nEmbd, nHeadKv * headDimV);
            c.norm(b + "attn_q_norm.weight", headDimK);
            c.norm(b + "attn_k_norm.weight", headDimK);
            c.matrix(b + "attn_output.weight", nHead * headDimV, nEmbd);
            c.norm(b + "post_attention_norm.weight", nEmbd);
            c.norm(b + "ffn_norm.weight", nEmbd);
            c.matrix(b + "ffn_gate.weight", nEmbd, nFf);
            c.matrix(b + "ffn_up.weight", nEmbd, nFf);
            c.matrix(b + "ffn_down.weight", nFf, nEmbd);
            c.norm(b + "post_ffw_norm.weight", nEmbd);
        }
        String d2 = layout.dense2(), d3 = layout.dense3(), p = layout.prefix();
        boolean has2 = f.tensor(d2) != null, has3 = f.tensor(d3) != null;
        if (has2 || has3) {
            // llama.cpp creates them with the shapes the dense_* metadata gives, and asserts the outer widths.
            if (!(has2 && has3)) c.problem(d2 + " and " + d3 + " must both exist or both be absent");
            else if (dense2Out != dense3In) c.problem(p + "dense_2_feat_out " + dense2Out + " != dense_3_feat_in " + dense3In);
            long in2 = f.getLong(p + "dense_2_feat_in", nEmbd), out3 = f.getLong(p + "dense_3_feat_out", nEmbd);
            if (in2 != nEmbd) c.problem(p + "dense_2_feat_in " + in2 + " != embedding_length " + nEmbd);
            if (out3 != nEmbd) c.problem(p + "dense_3_feat_out " + out3 + " != embedding_length " + nEmbd);
            if (has2) c.matrix(d2, nEmbd, dense2Out);
            if (has3) c.matrix(d3, dense3In, nEmbd);
        }
        if (f.has("tokenizer.ggml.tokens")) {
            int tokens = f.value("tokenizer.ggml.tokens").length();
            if (tokens != vocabSize) c.problem("tokenizer.ggml.tokens has " + tokens + " entries but token_embd.weight has " + vocabSize + " rows");
        } else {
            c.problem("missing metadata tokenizer.ggml.tokens");
        }
        if (poolingType != POOLING_MEAN) c.problem("pooling_type " + poolingType + " is not supported (only 1 = MEAN)");
        return c.problems();
    }
}
