// SPDX-License-Identifier: Apache-2.0
package dev.egemma.synth;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;
import dev.egemma.model.ModelConfig;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticModelTest {
    @TempDir
    Path dir;

    private Path make(SynthSpec spec, String name) throws Exception {
        Path out = dir.resolve(name);
        SyntheticModel.write(spec, TestData.file("embeddinggemma-vocab.gguf"), out);
        return out;
    }

    private static SynthSpec smallDense() {
        SynthSpec s = SynthSpec.small();
        s.dense = 256;
        return s;
    }

    /** Same keys, types and values (but the name) and the same tensors as llama.cpp's converter gave the golden. */
    @Test
    void smallDenseQ8LooksLikeTheGoldenModel() throws Exception {
        Path p = make(smallDense(), "s.gguf");
        try (GgufFile mine = GgufFile.open(p); GgufFile golden = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            assertEquals(List.copyOf(golden.metadata().keySet()), List.copyOf(mine.metadata().keySet()));
            for (var e : golden.metadata().entrySet()) {
                GgufValue m = mine.value(e.getKey());
                assertEquals(e.getValue().type(), m.type(), e.getKey());
                if (!e.getKey().equals("general.name")) assertTrue(e.getValue().contentEquals(m), e.getKey());
            }
            assertEquals(List.copyOf(golden.tensors().keySet()), List.copyOf(mine.tensors().keySet()));
            for (GgufTensor t : golden.tensors().values()) {
                GgufTensor u = mine.tensor(t.name());
                assertEquals(t.type(), u.type(), t.name());
                assertArrayEquals(t.shape(), u.shape(), t.name());
            }
            assertEquals(List.of(), ModelConfig.from(mine).tensorProblems(mine));
            assertEquals("Hello", mine.stringArray("tokenizer.ggml.tokens").get(9259));
        }
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadCount() throws Exception {
        Path a = make(smallDense(), "a.gguf");
        Path b = dir.resolve("b.gguf");
        try (ForkJoinPool one = new ForkJoinPool(1); GgufFile vocab = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            one.submit(() -> {
                SyntheticModel.build(smallDense(), vocab).write(b);
                return null;
            }).get();
        }
        assertEquals(-1, Files.mismatch(a, b));
        SynthSpec other = smallDense();
        other.seed = 99;
        Path c = make(other, "c.gguf");
        assertNotEquals(-1, Files.mismatch(a, c));
    }

    @Test
    void weightsHaveRealisticScales() throws Exception {
        SynthSpec s = SynthSpec.small();
        s.type = GgmlType.F32;
        try (GgufFile f = GgufFile.open(make(s, "f.gguf"))) {
            double[] norm = stats(Dequantizer.all(f.tensor("blk.3.ffn_norm.weight")));
            assertEquals(1.0, norm[0], 0.05);
            assertEquals(SyntheticModel.NORM_STD, norm[1], 0.03);
            double[] q = stats(Dequantizer.all(f.tensor("blk.3.attn_q.weight")));
            assertEquals(0.0, q[0], 0.002);
            assertEquals(SyntheticModel.MATRIX_STD, q[1], 0.002);
            double[] e = stats(Dequantizer.all(f.tensor("token_embd.weight")));
            assertEquals(SyntheticModel.EMBD_STD, e[1], 0.002);
            // different tensors get different values
            assertFalse(java.util.Arrays.equals(Dequantizer.all(f.tensor("blk.0.attn_q.weight")), Dequantizer.all(f.tensor("blk.1.attn_q.weight"))));
        }
    }

    private static double[] stats(float[] x) {
        double m = 0, v = 0;
        for (float z : x) m += z;
        m /= x.length;
        for (float z : x) v += (z - m) * (z - m);
        return new double[] {m, Math.sqrt(v / x.length)};
    }

    @Test
    void everyWeightTypeGivesAUsableModel() throws Exception {
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0}) {
            SynthSpec s = smallDense();
            s.type = t;
            s.vocabSize = 1000;
            try (GgufFile f = GgufFile.open(make(s, t + ".gguf"))) {
                ModelConfig c = ModelConfig.from(f);
                assertEquals(List.of(), c.tensorProblems(f), t.toString());
                assertEquals(t, f.tensor("blk.0.ffn_up.weight").type());
                assertEquals(GgmlType.F32, f.tensor("blk.0.ffn_norm.weight").type());
                assertEquals(1000, c.vocabSize());
                assertEquals(1000, f.getFloatArray("tokenizer.ggml.scores").length);
                assertEquals(1000, f.getIntArray("tokenizer.ggml.token_type").length);
                assertEquals(s.fileType(), f.getInt("general.file_type"));
            }
        }
    }

    @Test
    void customShapesAreChecked() throws Exception {
        SynthSpec s = SynthSpec.small();
        s.nLayer = 2;
        s.nHead = 4;
        s.nHeadKv = 2;
        s.headDim = 16;
        s.nFf = 96;
        s.vocabSize = 64;
        try (GgufFile f = GgufFile.open(make(s, "custom.gguf"))) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(List.of(), c.tensorProblems(f));
            assertEquals(4, c.nHead());
            assertEquals(2, c.nHeadKv());
            assertArrayEquals(new long[] {64, 32}, f.tensor("blk.1.attn_k.weight").shape());
        }
        s.nFf = 100; // not whole Q8_0 blocks for ffn_down
        s.nHeadKv = 3;
        Exception e = assertThrows(IllegalArgumentException.class, () -> make(s, "bad.gguf"));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("n_head_kv 3"), e.getMessage());
        SynthSpec big = SynthSpec.small();
        big.vocabSize = 300_000;
        e = assertThrows(IllegalArgumentException.class, () -> make(big, "big.gguf"));
        assertTrue(e.getMessage().contains("300000"), e.getMessage());
    }

    @Test
    void fullPresetHasTheEmbeddingGemma300mShapes() {
        SynthSpec s = SynthSpec.full();
        assertEquals(List.of(), s.problems());
        assertEquals(768, s.nEmbd);
        assertEquals(24, s.nLayer);
        assertEquals(256, s.headDim);
        assertEquals(1152, s.nFf);
        assertEquals(512, s.slidingWindow);
        assertEquals(3072, s.dense);
        assertEquals(0, s.vocabSize); // all 262,144
    }
}
