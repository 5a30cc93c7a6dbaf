// SPDX-License-Identifier: Apache-2.0
package dev.egemma.synth;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;
import dev.egemma.gguf.GgufWriter;
import dev.egemma.gguf.Q8Quantizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Generates a deterministic synthetic {@code gemma-embedding} GGUF, or a causal {@code gemma3} one
 * ({@link SynthSpec#architecture}): the metadata keys and tensor layout llama.cpp's converter writes, the real tokenizer copied from a vocab GGUF, and seeded random weights
 * with the scales of the golden models (token embedding std 0.03, attention/FFN matrices std 0.02, dense
 * std 1/sqrt(fan_in), norm weights 1 + N(0, 0.1) because the converter stores Gemma norms with +1 applied).
 *
 * <p>Same spec and seed give the same bytes whatever the thread count: every tensor is cut into chunks
 * of rows, and each chunk draws from its own generator seeded by (seed, tensor index, chunk index).
 */
public final class SyntheticModel {
    private static final int ROWS_PER_CHUNK = 256;
    static final float EMBD_STD = 0.03f, MATRIX_STD = 0.02f, NORM_STD = 0.1f;

    private SyntheticModel() {}

    /** One tensor to generate: 1-D norms (mean 1) or 2-D matrices (mean 0). */
    private record Plan(String name, long[] shape, GgmlType type, float mean, float std) {
        long rows() {
            return shape.length == 1 ? 1 : shape[1];
        }
    }

    /** Generates the model described by {@code spec}, with the tokenizer of {@code vocab}, into {@code out}. */
    public static void write(SynthSpec spec, Path vocab, Path out) throws IOException {
        try (GgufFile v = GgufFile.open(vocab)) {
            build(spec, v).write(out);
        }
    }

    /** A writer holding the whole model (weights generated in parallel, in memory). */
    public static GgufWriter build(SynthSpec spec, GgufFile vocab) {
        List<String> problems = spec.problems();
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid model spec: " + String.join("; ", problems));
        int fullVocab = vocab.stringArray("tokenizer.ggml.tokens").size();
        int nVocab = spec.vocabSize == 0 ? fullVocab : spec.vocabSize;
        if (nVocab > fullVocab) throw new IllegalArgumentException("vocab size " + nVocab + " exceeds the " + fullVocab + " tokens of " + vocab.path());

        GgufWriter w = new GgufWriter();
        boolean causal = spec.architecture.equals(SynthSpec.GEMMA3);
        String a = spec.architecture + ".";
        w.putString("general.architecture", spec.architecture)
                .putString("general.name", spec.modelName())
                .putU32("general.file_type", spec.fileType())
                .putU32("general.quantization_version", 2)
                .putU32(a + "block_count", spec.nLayer)
                .putU32(a + "context_length", spec.contextLength)
                .putU32(a + "embedding_length", spec.nEmbd)
                .putU32(a + "feed_forward_length", spec.nFf)
                .putU32(a + "attention.head_count", spec.nHead)
                .putU32(a + "attention.head_count_kv", spec.nHeadKv)
                .putF32(a + "rope.freq_base", spec.ropeFreqBase)
                .putF32(a + "attention.layer_norm_rms_epsilon", spec.rmsEps)
                .putU32(a + "attention.key_length", spec.headDim)
                .putU32(a + "attention.value_length", spec.headDim)
                .putU32(a + "attention.sliding_window", spec.slidingWindow);
        if (!causal) w.putU32(a + "pooling_type", 1); // a causal model has no pooling
        if (spec.dense > 0) {
            w.putU32(a + "dense_2_feat_in", spec.nEmbd)
                    .putU32(a + "dense_2_feat_out", spec.dense)
                    .putU32(a + "dense_3_feat_in", spec.dense)
                    .putU32(a + "dense_3_feat_out", spec.nEmbd);
        }
        for (Map.Entry<String, GgufValue> e : vocab.metadata().entrySet()) {
            if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), truncate(e.getValue(), fullVocab, nVocab));
        }
        if (causal) w.putBool("tokenizer.ggml.add_eos_token", false); // a language model's prompt has no EOS

        List<Plan> plans = plan(spec, nVocab);
        byte[][] data = generate(plans, spec.seed);
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            w.tensor(p.name, p.type, p.shape, MemorySegment.ofArray(data[i]));
        }
        return w;
    }

    /** Per-token arrays keep their first {@code n} entries; everything else is copied as is. */
    private static GgufValue truncate(GgufValue v, int fullVocab, int n) {
        if (v.type() != GgufValueType.ARRAY || v.length() != fullVocab || n == fullVocab) return v;
        if (v.elementType() == GgufValueType.STRING) {
            String[] s = new String[n];
            for (int i = 0; i < n; i++) s[i] = v.stringArray().get(i);
            return GgufValue.array(GgufValueType.STRING, s);
        }
        Object src = v.value(), dst = Array.newInstance(src.getClass().getComponentType(), n);
        System.arraycopy(src, 0, dst, 0, n);
        return GgufValue.array(v.elementType(), dst);
    }

    private static List<Plan> plan(SynthSpec s, int nVocab) {
        List<Plan> p = new ArrayList<>();
        GgmlType t = s.type;
        int q = s.nHead * s.headDim, kv = s.nHeadKv * s.headDim;
        p.add(new Plan("token_embd.weight", new long[] {s.nEmbd, nVocab}, t, 0, EMBD_STD));
        p.add(norm("output_norm.weight", s.nEmbd));
        if (s.dense > 0) {
            p.add(new Plan("dense_2.weight", new long[] {s.nEmbd, s.dense}, t, 0, (float) (1 / Math.sqrt(s.nEmbd))));
            p.add(new Plan("dense_3.weight", new long[] {s.dense, s.nEmbd}, t, 0, (float) (1 / Math.sqrt(s.dense))));
        }
        for (int il = 0; il < s.nLayer; il++) {
            String b = "blk." + il + ".";
            p.add(norm(b + "attn_norm.weight", s.nEmbd));
            p.add(new Plan(b + "attn_q.weight", new long[] {s.nEmbd, q}, t, 0, MATRIX_STD));
            p.add(new Plan(b + "attn_k.weight", new long[] {s.nEmbd, kv}, t, 0, MATRIX_STD));
            p.add(new Plan(b + "attn_v.weight", new long[] {s.nEmbd, kv}, t, 0, MATRIX_STD));
            p.add(norm(b + "attn_q_norm.weight", s.headDim));
            p.add(norm(b + "attn_k_norm.weight", s.headDim));
            p.add(new Plan(b + "attn_output.weight", new long[] {q, s.nEmbd}, t, 0, MATRIX_STD));
            p.add(norm(b + "post_attention_norm.weight", s.nEmbd));
            p.add(norm(b + "ffn_norm.weight", s.nEmbd));
            p.add(new Plan(b + "ffn_gate.weight", new long[] {s.nEmbd, s.nFf}, t, 0, MATRIX_STD));
            p.add(new Plan(b + "ffn_up.weight", new long[] {s.nEmbd, s.nFf}, t, 0, MATRIX_STD));
            p.add(new Plan(b + "ffn_down.weight", new long[] {s.nFf, s.nEmbd}, t, 0, MATRIX_STD));
            p.add(norm(b + "post_ffw_norm.weight", s.nEmbd));
        }
        return p;
    }

    private static Plan norm(String name, int n) {
        return new Plan(name, new long[] {n}, GgmlType.F32, 1f, NORM_STD);
    }

    /** Fills every tensor's bytes, chunk by chunk, on all cores. */
    private static byte[][] generate(List<Plan> plans, long seed) {
        byte[][] data = new byte[plans.size()][];
        List<long[]> chunks = new ArrayList<>(); // {plan index, first row}
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            long bytes = p.type.byteSize(p.rows() * p.shape[0]);
            if (bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(p.name + ": " + bytes + " bytes is too large for one array");
            data[i] = new byte[(int) bytes];
            for (long r = 0; r < p.rows(); r += ROWS_PER_CHUNK) chunks.add(new long[] {i, r});
        }
        IntStream.range(0, chunks.size()).parallel().forEach(c -> {
            int i = (int) chunks.get(c)[0];
            long firstRow = chunks.get(c)[1];
            fill(plans.get(i), data[i], firstRow, new SplittableRandom(mix(seed, i, firstRow)));
        });
        return data;
    }

    private static void fill(Plan p, byte[] out, long firstRow, SplittableRandom rnd) {
        int n = (int) p.shape[0];
        long rows = Math.min(ROWS_PER_CHUNK, p.rows() - firstRow);
        float[] row = new float[n];
        long rowBytes = p.type.byteSize(n);
        ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) row[j] = (float) (p.mean + p.std * rnd.nextGaussian());
            int at = (int) ((firstRow + r) * rowBytes);
            switch (p.type) {
                case F32 -> { for (int j = 0; j < n; j++) buf.putFloat(at + 4 * j, row[j]); }
                case F16 -> { for (int j = 0; j < n; j++) buf.putShort(at + 2 * j, Float.floatToFloat16(row[j])); }
                case BF16 -> { for (int j = 0; j < n; j++) buf.putShort(at + 2 * j, dev.egemma.gguf.Half.f32ToBf16(row[j])); }
                case Q8_0 -> Q8Quantizer.quantize(row, 0, n, out, at);
                default -> throw new IllegalStateException(p.type.toString());
            }
        }
    }

    /** SplitMix64-style mixing of the seed with the tensor and chunk coordinates. */
    private static long mix(long seed, long tensor, long row) {
        long z = seed * 0x9E3779B97F4A7C15L + tensor * 0xBF58476D1CE4E5B9L + row * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
