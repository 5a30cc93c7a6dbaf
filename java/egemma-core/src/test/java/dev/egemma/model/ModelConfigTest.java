// SPDX-License-Identifier: Apache-2.0
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
            // Q8_1 is only ever an activation type in ggml: no weight kernel, whatever SUPPORTED grows to
            w.removeTensor("blk.3.ffn_down.weight").tensor("blk.3.ffn_down.weight", dev.egemma.gguf.GgmlType.Q8_1, new long[] {128, 64},
                    java.lang.foreign.MemorySegment.ofArray(new byte[128 / 32 * 36 * 64]));
            w.putU32("gemma-embedding.dense_3_feat_out", 32);
            w.write(out);
        }
        try (GgufFile f = GgufFile.open(out)) {
            java.util.List<String> p = ModelConfig.from(f).tensorProblems(f);
            String all = String.join("\n", p);
            assertTrue(all.contains("missing tensor blk.2.ffn_up.weight [64, 128]"), all);
            assertTrue(all.contains("missing tensor blk.4.attn_k.weight [64, 32]"), all);
            assertTrue(all.contains("blk.1.attn_q_norm.weight: shape [16], expected [32]"), all);
            assertTrue(all.contains("1 tensor of type Q8_1 (blk.3.ffn_down.weight): egemma does not compute Q8_1 weights (it computes [F32, F16"), all);
            assertTrue(all.contains("dense_3_feat_out 32"), all);
            assertEquals(5, p.size(), all);
        }
    }
    @Test
    void unsupportedTypeIsRefusedWhenBindingNamingTensorAndType(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = GgufVariants.ollama(dir, "q8_1.gguf", w -> w.removeTensor("dense.1.weight")
                .tensor("dense.1.weight", dev.egemma.gguf.GgmlType.Q8_1, new long[] {256, 64}, java.lang.foreign.MemorySegment.ofArray(new byte[256 / 32 * 36 * 64])));
        try (GgufFile f = GgufFile.open(out)) {
            ModelConfig c = ModelConfig.from(f);
            Exception e = assertThrows(IllegalArgumentException.class, () -> ModelWeights.bind(f, c));
            assertTrue(e.getMessage().startsWith(out + ": not a usable EmbeddingGemma model: 1 tensor of type Q8_1 (dense.1.weight): egemma does not compute Q8_1"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void matricesMayMixTypesTokenEmbeddingIncluded(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = dir.resolve("mixed.gguf");
        try (GgufFile f = GgufFile.open(TestData.file(GgufVariants.BASE))) {
            dev.egemma.gguf.GgufWriter w = dev.egemma.gguf.GgufWriter.copyOf(f);
            retype(f, w, "token_embd.weight", dev.egemma.gguf.GgmlType.BF16);
            retype(f, w, "blk.0.attn_v.weight", dev.egemma.gguf.GgmlType.F16);
            retype(f, w, "blk.5.ffn_down.weight", dev.egemma.gguf.GgmlType.F32);
            w.write(out);
        }
        try (GgufFile f = GgufFile.open(out)) {
            ModelWeights m = ModelWeights.bind(f, ModelConfig.from(f));
            assertEquals(dev.egemma.gguf.GgmlType.BF16, m.tokenEmbd().type());
            assertEquals(dev.egemma.gguf.GgmlType.F16, m.layers().get(0).wv().type());
            assertEquals(dev.egemma.gguf.GgmlType.Q8_0, m.layers().get(0).wq().type());
            assertEquals(dev.egemma.gguf.GgmlType.F32, m.layers().get(5).wDown().type());
            assertEquals(dev.egemma.gguf.GgmlType.Q8_0, m.layers().get(4).wDown().type());
        }
    }

    /** Replaces a tensor by its dequantized values stored as {@code type}. */
    private static void retype(GgufFile f, dev.egemma.gguf.GgufWriter w, String name, dev.egemma.gguf.GgmlType type) {
        var t = f.tensor(name);
        float[] v = dev.egemma.gguf.Dequantizer.all(t);
        w.removeTensor(name).tensor(name, type, t.shape(), v);
    }

    @Test
    void tensorsOfOneUnsupportedTypeAreOneProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = GgufVariants.llamaCpp(dir, "q8_1-ffn.gguf", w -> {
            for (int il = 0; il < 6; il++)
                w.removeTensor("blk." + il + ".ffn_up.weight").tensor("blk." + il + ".ffn_up.weight", dev.egemma.gguf.GgmlType.Q8_1, new long[] {64, 128},
                        java.lang.foreign.MemorySegment.ofArray(new byte[64 / 32 * 36 * 128]));
        });
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(java.util.List.of("6 tensors of type Q8_1 (blk.0.ffn_up.weight, blk.1.ffn_up.weight, blk.2.ffn_up.weight, ...): egemma does not compute Q8_1 weights (it computes "
                    + dev.egemma.kernels.WeightMatrix.SUPPORTED.stream().sorted().toList() + ")"), ModelConfig.from(f).tensorProblems(f));
        }
    }

    @Test
    void forgedBlockCountIsRefusedBeforeAnyPerLayerWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String m = ModelLayoutTest.refusal(GgufVariants.llamaCpp(dir, "layers.gguf", w -> w.putU32("gemma-embedding.block_count", 0xffffffffL >>> 2)));
        assertTrue(m.endsWith("gemma-embedding.block_count 1073741823 exceeds 512"), m);
    }
}
