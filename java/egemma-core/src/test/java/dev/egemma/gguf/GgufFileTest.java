package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GgufFileTest {

    @Test
    void readsTheGemma3VocabGguf() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            assertEquals(3, f.version());
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(262144, tokens.length);
            assertEquals("Hello", tokens[9259]);
            assertEquals(262144, f.getFloatArray("tokenizer.ggml.scores").length);
            assertFalse(f.getBoolean("tokenizer.ggml.add_space_prefix"));
            assertEquals(2, f.getInt("tokenizer.ggml.bos_token_id"));
        }
    }

    @Test
    void readsGoldenModelTensors() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            assertEquals("gemma-embedding", f.getString("general.architecture"));
            assertEquals(64, f.getInt("gemma-embedding.embedding_length"));
            GgufTensor q = f.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.Q8_0, q.type());
            assertEquals(64, q.shape()[0]);
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").type());
            assertEquals(q.type().byteSize(q.elementCount()), q.data().byteSize());
        }
    }

    @Test
    void useAfterCloseIsAClearException() throws Exception {
        GgufFile f = GgufFile.open(TestData.file("golden/small-f32.gguf"));
        f.close();
        assertThrows(IllegalStateException.class, () -> f.tensor("token_embd.weight"));
    }
}
