// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GgufFileTest {

    @Test
    void readsTheGemma3VocabGguf() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(0, f.tensors().size());
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            GgufStringArray lazy = f.stringArray("tokenizer.ggml.tokens");
            assertEquals(262144, lazy.size());
            assertEquals("Hello", lazy.get(9259));
            assertArrayEquals("Hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), lazy.bytes(9259));
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(262144, tokens.length);
            assertEquals("Hello", tokens[9259]);
            assertEquals(List.of("<pad>", "<eos>", "<bos>", "<unk>"), List.of(tokens).subList(0, 4));
            for (int i = 0; i < tokens.length; i += 997) assertEquals(tokens[i], lazy.get(i), "token " + i);
            tokens[9259] = "changed"; // callers get their own copy
            assertEquals("Hello", f.getStringArray("tokenizer.ggml.tokens")[9259]);
            assertEquals(262144, f.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(262144, f.getIntArray("tokenizer.ggml.token_type").length);
            assertFalse(f.getBoolean("tokenizer.ggml.add_space_prefix"));
            assertEquals(2, f.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(1, f.getInt("tokenizer.ggml.eos_token_id"));
        }
    }

    @Test
    void readsGoldenModelTensors() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            assertEquals("gemma-embedding", f.getString("general.architecture"));
            assertEquals(64, f.getInt("gemma-embedding.embedding_length"));
            assertEquals(82, f.tensors().size()); // token_embd, output_norm, dense_2, dense_3, 6 x 13
            assertEquals(16384, f.stringArray("tokenizer.ggml.tokens").size());
            GgufTensor q = f.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.Q8_0, q.type());
            assertArrayEquals(new long[] {64, 96}, q.shape());
            assertEquals(q.type().byteSize(q.elementCount()), q.data().byteSize());
            assertArrayEquals(new long[] {64, 16384}, f.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[] {256, 64}, f.tensor("dense_3.weight").shape());
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").type());
            long q8 = f.tensors().values().stream().filter(t -> t.type() == GgmlType.Q8_0).count();
            assertEquals(45, q8);
            for (GgufTensor t : f.tensors().values()) assertEquals(0, (f.dataOffset() + t.offset()) % f.alignment(), t.name());
        }
    }

    @Test
    void goldenF32ModelsShareWeights() throws Exception {
        try (GgufFile a = GgufFile.open(TestData.file("golden/small-f32.gguf"));
             GgufFile b = GgufFile.open(TestData.file("golden/small-dense-f32.gguf"))) {
            assertEquals(80, a.tensors().size());
            assertEquals(82, b.tensors().size());
            assertNull(a.tensor("dense_2.weight"));
            assertTrue(a.tensors().values().stream().allMatch(t -> t.type() == GgmlType.F32));
            // norms are stored with Gemma's +1 applied: around 1, not 0
            float[] norm = Dequantizer.all(a.tensor("blk.0.attn_norm.weight"));
            double mean = 0;
            for (float v : norm) mean += v / norm.length;
            assertEquals(1.0, mean, 0.1);
            float[] e = Dequantizer.row(a.tensor("token_embd.weight"), 9259 % 16384);
            assertEquals(64, e.length);
            for (float v : e) assertTrue(Math.abs(v) < 1, "embedding value " + v);
        }
    }

    /** Expected values read independently of this code base, with a 40-line Python struct parser. */
    @Test
    void firstValuesOfSomeGoldenTensors() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-f32.gguf"))) {
            assertArrayEquals(new float[] {-0.033454183489084244f, -0.018102023750543594f, 0.021754443645477295f, 0.077482208609581f},
                    java.util.Arrays.copyOf(Dequantizer.row(f.tensor("token_embd.weight"), 0), 4));
            assertArrayEquals(new float[] {0.962429940700531f, 0.9962033629417419f, 0.9264397025108337f, 1.0132341384887695f},
                    java.util.Arrays.copyOf(Dequantizer.all(f.tensor("blk.0.attn_norm.weight")), 4));
            assertArrayEquals(new float[] {0.007072007283568382f, 0.01186503004282713f, -0.0375746414065361f, -0.01590297743678093f},
                    java.util.Arrays.copyOf(Dequantizer.row(f.tensor("blk.5.ffn_down.weight"), 0), 4));
        }
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            // first block of token_embd: d = fp16 0.0006098747..., qs = -55, -30, 36, 127
            float d = 0.0006098747253417969f;
            assertArrayEquals(new float[] {-55 * d, -30 * d, 36 * d, 127 * d}, java.util.Arrays.copyOf(Dequantizer.row(f.tensor("token_embd.weight"), 0), 4));
            float d2 = 0.002407073974609375f;
            assertArrayEquals(new float[] {3 * d2, -31 * d2, 47 * d2, -35 * d2}, java.util.Arrays.copyOf(Dequantizer.row(f.tensor("dense_2.weight"), 0), 4));
        }
    }

    @Test
    void useAfterCloseIsAClearException() throws Exception {
        GgufFile f = GgufFile.open(TestData.file("golden/small-f32.gguf"));
        GgufTensor t = f.tensor("token_embd.weight");
        GgufStringArray tokens = f.stringArray("tokenizer.ggml.tokens");
        f.close();
        f.close(); // idempotent
        assertTrue(f.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.tensor("token_embd.weight"));
        assertTrue(e.getMessage().contains("small-f32.gguf"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> f.getInt("gemma-embedding.block_count"));
        assertThrows(IllegalStateException.class, f::metadata);
        assertThrows(IllegalStateException.class, () -> tokens.get(5));
        assertThrows(IllegalStateException.class, tokens::toArray);
        assertThrows(IllegalStateException.class, () -> Dequantizer.row(t, 0)); // the slice's scope is closed
    }

    @Test
    void typedGettersExplainMismatches() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-f32.gguf"))) {
            assertEquals(1e-6f, f.getFloat("gemma-embedding.attention.layer_norm_rms_epsilon"));
            assertEquals(7, f.getInt("no.such.key", 7));
            Exception e = assertThrows(IllegalArgumentException.class, () -> f.getString("gemma-embedding.block_count"));
            assertTrue(e.getMessage().contains("gemma-embedding.block_count") && e.getMessage().contains("UINT32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> f.getInt("missing.key"));
            assertTrue(e.getMessage().contains("missing.key"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.getStringArray("tokenizer.ggml.scores"));
        }
    }

    /** Entries of all sizes, one longer than the 64 KiB windows the walk and {@code forEachUtf8} copy at a time. */
    @Test
    void forEachUtf8HandsOutEveryEntryAsStored() throws Exception {
        java.util.Random r = new java.util.Random(7);
        byte[][] entries = new byte[3000][];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new byte[i == 1234 ? 100_000 : r.nextInt(i % 100 == 0 ? 2000 : 20)];
            r.nextBytes(entries[i]); // not UTF-8: the bytes are handed out as they are
        }
        RawGguf g = new RawGguf().header(0, 1).str("a").u32(GgufValueType.ARRAY.id).u32(GgufValueType.STRING.id).u64(entries.length);
        for (byte[] e : entries) {
            g.u64(e.length);
            for (byte b : e) g.u8(b);
        }
        try (GgufFile f = GgufFile.parse("entries.gguf", java.lang.foreign.MemorySegment.ofArray(g.bytes()))) {
            GgufStringArray a = f.stringArray("a");
            assertEquals(entries.length, a.size());
            long total = 0;
            for (byte[] e : entries) total += e.length;
            assertEquals(total, a.utf8Bytes());
            int[] seen = {0};
            a.forEachUtf8((i, buf, off, len) -> {
                assertEquals(seen[0]++, i);
                assertArrayEquals(entries[i], java.util.Arrays.copyOfRange(buf, off, off + len), "entry " + i);
                assertArrayEquals(entries[i], a.bytes(i), "entry " + i);
            });
            assertEquals(entries.length, seen[0]);
        }
    }
}
