// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small valid EMB8 file: 7 tokens, embed_dim 3, original_dim 4, a hand-made SentencePiece vocabulary. */
final class TinyEmb8 {
    static final String[] TOKENS = {"<pad>", "<bos>", "<eos>", "<unk>", "▁Hello", "a", "▁"};

    private TinyEmb8() {}

    static Map<String, GgufValue> tokenizerKeys() {
        Map<String, GgufValue> k = new LinkedHashMap<>();
        k.put("tokenizer.ggml.model", GgufValue.of(GgufValueType.STRING, "llama"));
        k.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, TOKENS));
        k.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, new float[] {0, 0, 0, 0, -1, -2, -3}));
        k.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, new int[] {3, 3, 3, 2, 1, 1, 1}));
        k.put("tokenizer.ggml.bos_token_id", GgufValue.of(GgufValueType.UINT32, 1L));
        k.put("tokenizer.ggml.eos_token_id", GgufValue.of(GgufValueType.UINT32, 2L));
        k.put("tokenizer.ggml.unknown_token_id", GgufValue.of(GgufValueType.UINT32, 3L));
        k.put("tokenizer.ggml.add_bos_token", GgufValue.of(GgufValueType.BOOL, true));
        k.put("tokenizer.ggml.add_eos_token", GgufValue.of(GgufValueType.BOOL, true));
        return k;
    }

    static Distilled distilled() {
        float[] mean = {0.5f, -0.25f, 0, 1};
        float[][] comps = {{1, 0, 0, 0}, {0, 0.6f, 0.8f, 0}, {0, -0.8f, 0.6f, 0}};
        float[][] rows = new float[TOKENS.length][3];
        for (int t = 0; t < rows.length; t++) for (int c = 0; c < 3; c++) rows[t][c] = (float) Math.sin(1 + 3 * t + c) * (t + 1);
        return new Distilled(mean, comps, rows);
    }

    /** The tokenizer of {@link #tokenizerKeys()}, as a version 1 file of this table is given it. */
    static dev.egemma.tokenizer.Tokenizer tokenizer() throws Exception {
        dev.egemma.gguf.GgufWriter w = new dev.egemma.gguf.GgufWriter();
        tokenizerKeys().forEach(w::put);
        return dev.egemma.tokenizer.Tokenizer.fromGguf(dev.egemma.gguf.GgufFile.parse("tiny tokenizer", java.lang.foreign.MemorySegment.ofArray(w.toByteArray())));
    }

    /** The table as version 1, the original prep tool's layout. */
    static byte[] v1Bytes(Path dir) throws Exception {
        Path p = dir.resolve("tiny-v1.emb8");
        Emb8Writer.writeV1(p, distilled());
        return Files.readAllBytes(p);
    }

    static byte[] bytes(Path dir) throws Exception {
        Path p = dir.resolve("tiny.emb8");
        Emb8Writer.write(p, distilled(), tokenizerKeys());
        return Files.readAllBytes(p);
    }
}
