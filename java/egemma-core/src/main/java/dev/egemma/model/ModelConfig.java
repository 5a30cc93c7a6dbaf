package dev.egemma.model;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * EmbeddingGemma hyper-parameters as llama.cpp reads them for {@code general.architecture = gemma-embedding}
 * (see the architecture spec, section 1), with llama.cpp's defaults for optional keys.
 */
public record ModelConfig(
        String architecture,
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
        int slidingWindow,
        float rmsEps,
        int poolingType,
        int vocabSize,
        int dense2Out,
        int dense3In) {

    public static final String ARCH = "gemma-embedding";
    /** Layer {@code il} is sliding iff {@code il % SWA_PATTERN < SWA_PATTERN - 1} (hard-coded in llama.cpp). */
    public static final int SWA_PATTERN = 6;
    /** RoPE base of sliding layers, fixed in llama.cpp whatever the GGUF says. */
    public static final float ROPE_BASE_SWA = 10_000f;
    public static final int POOLING_MEAN = 1;

    /** Types a weight matrix may have for compute. */
    public static final Set<GgmlType> WEIGHT_TYPES = dev.egemma.kernels.WeightMatrix.SUPPORTED;

    /** Reads the hyper-parameters; required keys missing or of the wrong type are reported all at once. */
    public static ModelConfig from(GgufFile f) {
        String arch = f.getString("general.architecture", "");
        if (!ARCH.equals(arch))
            throw new IllegalArgumentException(f.path() + ": general.architecture is '" + arch + "', expected '" + ARCH + "'");
        String p = ARCH + ".";
        List<String> missing = new ArrayList<>();
        for (String k : new String[] {"embedding_length", "block_count", "feed_forward_length", "attention.head_count",
                "attention.sliding_window", "attention.layer_norm_rms_epsilon", "pooling_type"}) {
            if (!f.has(p + k)) missing.add(p + k);
        }
        if (!missing.isEmpty()) throw new IllegalArgumentException(f.path() + ": missing required metadata " + missing);

        int nEmbd = positive(f, p + "embedding_length", f.getInt(p + "embedding_length"));
        int nLayer = positive(f, p + "block_count", f.getInt(p + "block_count"));
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
        return new ModelConfig(arch,
                f.getInt(p + "context_length", 2048),
                nEmbd, nLayer, nFf, nHead, nHeadKv, headDimK, headDimV, nRot,
                f.getFloat(p + "rope.freq_base", 10_000f),
                ROPE_BASE_SWA,
                positive(f, p + "attention.sliding_window", f.getInt(p + "attention.sliding_window")),
                f.getFloat(p + "attention.layer_norm_rms_epsilon"),
                f.getInt(p + "pooling_type"),
                vocab,
                f.getInt(p + "dense_2_feat_out", 0),
                f.getInt(p + "dense_3_feat_in", 0));
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

    /** True if layer {@code il} uses the symmetric sliding window. */
    public boolean isSliding(int il) {
        return il % SWA_PATTERN < SWA_PATTERN - 1;
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
     * Checks that every tensor the model needs exists with the right shape (ggml order) and an allowed type;
     * returns all problems found (empty when the file is usable).
     */
    public List<String> tensorProblems(GgufFile f) {
        List<String> problems = new ArrayList<>();
        expect(f, problems, "token_embd.weight", WEIGHT_TYPES, nEmbd, vocabSize);
        expect(f, problems, "output_norm.weight", EnumSet.of(GgmlType.F32), nEmbd);
        for (int il = 0; il < nLayer; il++) {
            String b = "blk." + il + ".";
            expect(f, problems, b + "attn_norm.weight", EnumSet.of(GgmlType.F32), nEmbd);
            expect(f, problems, b + "attn_q.weight", WEIGHT_TYPES, nEmbd, qDim());
            expect(f, problems, b + "attn_k.weight", WEIGHT_TYPES, nEmbd, kvDim());
            expect(f, problems, b + "attn_v.weight", WEIGHT_TYPES, nEmbd, nHeadKv * headDimV);
            expect(f, problems, b + "attn_q_norm.weight", EnumSet.of(GgmlType.F32), headDimK);
            expect(f, problems, b + "attn_k_norm.weight", EnumSet.of(GgmlType.F32), headDimK);
            expect(f, problems, b + "attn_output.weight", WEIGHT_TYPES, nHead * headDimV, nEmbd);
            expect(f, problems, b + "post_attention_norm.weight", EnumSet.of(GgmlType.F32), nEmbd);
            expect(f, problems, b + "ffn_norm.weight", EnumSet.of(GgmlType.F32), nEmbd);
            expect(f, problems, b + "ffn_gate.weight", WEIGHT_TYPES, nEmbd, nFf);
            expect(f, problems, b + "ffn_up.weight", WEIGHT_TYPES, nEmbd, nFf);
            expect(f, problems, b + "ffn_down.weight", WEIGHT_TYPES, nFf, nEmbd);
            expect(f, problems, b + "post_ffw_norm.weight", EnumSet.of(GgmlType.F32), nEmbd);
        }
        boolean d2 = f.tensor("dense_2.weight") != null, d3 = f.tensor("dense_3.weight") != null;
        if (d2 || d3) {
            // llama.cpp creates them with the shapes the dense_* metadata gives, and asserts the outer widths.
            if (!(d2 && d3)) problems.add("dense_2.weight and dense_3.weight must both exist or both be absent");
            if (dense2Out <= 0 || dense3In <= 0)
                problems.add("dense tensors present but " + ARCH + ".dense_2_feat_out / dense_3_feat_in are missing");
            else if (dense2Out != dense3In)
                problems.add(ARCH + ".dense_2_feat_out " + dense2Out + " != dense_3_feat_in " + dense3In);
            long in2 = f.getLong(ARCH + ".dense_2_feat_in", nEmbd), out3 = f.getLong(ARCH + ".dense_3_feat_out", nEmbd);
            if (in2 != nEmbd) problems.add(ARCH + ".dense_2_feat_in " + in2 + " != embedding_length " + nEmbd);
            if (out3 != nEmbd) problems.add(ARCH + ".dense_3_feat_out " + out3 + " != embedding_length " + nEmbd);
            if (d2) expect(f, problems, "dense_2.weight", WEIGHT_TYPES, nEmbd, dense2Out);
            if (d3) expect(f, problems, "dense_3.weight", WEIGHT_TYPES, dense3In, nEmbd);
        }
        if (f.has("tokenizer.ggml.tokens")) {
            int tokens = f.value("tokenizer.ggml.tokens").length();
            if (tokens != vocabSize) problems.add("tokenizer.ggml.tokens has " + tokens + " entries but token_embd.weight has " + vocabSize + " rows");
        } else {
            problems.add("missing metadata tokenizer.ggml.tokens");
        }
        if (poolingType != POOLING_MEAN) problems.add("pooling_type " + poolingType + " is not supported (only 1 = MEAN)");
        return problems;
    }

    private static void expect(GgufFile f, List<String> problems, String name, Set<GgmlType> types, long... shape) {
        GgufTensor t = f.tensor(name);
        if (t == null) {
            problems.add("missing tensor " + name + " " + Arrays.toString(shape));
            return;
        }
        if (!Arrays.equals(t.shape(), shape))
            problems.add(name + ": shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        if (!t.hasKnownType() || !types.contains(t.type())) problems.add(name + ": type " + t.typeName() + ", expected one of " + types);
    }
}
