package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigTest {

    @Test
    void goldenDenseModelHasTheDocumentedShape() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(64, c.nEmbd());
            assertEquals(6, c.nLayer());
            assertEquals(3, c.nHead());
            assertEquals(1, c.nHeadKv());
            assertEquals(32, c.headDimK());
            assertEquals(128, c.nFf());
            assertEquals(8, c.slidingWindow());
            assertEquals(16384, c.vocabSize());
            assertEquals(256, c.dense2Out());
            assertTrue(c.hasDense());
            assertEquals(ModelConfig.POOLING_MEAN, c.poolingType());
            assertTrue(c.isSliding(0));
            assertTrue(c.isSliding(4));
            assertFalse(c.isSliding(5));
            assertEquals(10_000f, c.ropeBase(0));
            assertEquals(c.ropeFreqBase(), c.ropeBase(5));
            assertEquals(java.util.List.of(), c.tensorProblems(f));
        }
    }

    @Test
    void plainModelHasNoDense() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-f32.gguf"))) {
            ModelConfig c = ModelConfig.from(f);
            assertFalse(c.hasDense());
            assertEquals(java.util.List.of(), c.tensorProblems(f));
        }
    }

    @Test
    void vocabOnlyFileIsRejectedWithEveryProblemNamed() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.from(f));
            assertTrue(e.getMessage().contains("embedding_length") && e.getMessage().contains("pooling_type"), e.getMessage());
        }
    }

    @Test
    void everyTensorProblemIsReportedAtOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = dir.resolve("broken.gguf");
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            dev.egemma.gguf.GgufWriter w = dev.egemma.gguf.GgufWriter.copyOf(f);
            w.removeTensor("blk.2.ffn_up.weight").removeTensor("blk.4.attn_k.weight");
            // attn_q_norm with the wrong length, and a weight in a type the backends do not compute with
            w.removeTensor("blk.1.attn_q_norm.weight").tensor("blk.1.attn_q_norm.weight", dev.egemma.gguf.GgmlType.F32, new long[] {16}, new float[16]);
            w.removeTensor("blk.3.ffn_down.weight").tensor("blk.3.ffn_down.weight", dev.egemma.gguf.GgmlType.Q4_0, new long[] {128, 64},
                    java.lang.foreign.MemorySegment.ofArray(new byte[128 / 32 * 18 * 64]));
            w.putU32("gemma-embedding.dense_3_feat_out", 32);
            w.write(out);
        }
        try (GgufFile f = GgufFile.open(out)) {
            java.util.List<String> p = ModelConfig.from(f).tensorProblems(f);
            String all = String.join("\n", p);
            assertTrue(all.contains("missing tensor blk.2.ffn_up.weight [64, 128]"), all);
            assertTrue(all.contains("missing tensor blk.4.attn_k.weight [64, 32]"), all);
            assertTrue(all.contains("blk.1.attn_q_norm.weight: shape [16], expected [32]"), all);
            assertTrue(all.contains("blk.3.ffn_down.weight: type Q4_0"), all);
            assertTrue(all.contains("dense_3_feat_out 32"), all);
            assertEquals(5, p.size(), all);
        }
    }
}
