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
}
