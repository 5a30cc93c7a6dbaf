// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An Ollama-layout blob is read as the same model as its llama.cpp-layout twin. */
class OllamaLayoutTest {

    @ParameterizedTest
    @ValueSource(strings = {"q256-bf16", "q256-q4_k_m"})
    void ollamaBlobHasItsTwinsHyperParameters(String model) throws Exception {
        try (GgufFile ollama = GgufFile.open(TestData.file("golden-quant/" + model + "-ollama.gguf"));
             GgufFile twin = GgufFile.open(TestData.file("golden-quant/" + model + ".gguf"))) {
            ModelConfig o = ModelConfig.from(ollama), t = ModelConfig.from(twin);
            assertEquals(new ModelLayout("gemma3", "gemma3.", "output_norm.weight", "dense.0.weight", "dense.1.weight"), o.layout());
            assertEquals("gemma-embedding", t.architecture());
            assertFalse(ollama.has("gemma3.dense_2_feat_out"), "the blob has no dense keys: its widths come from the shapes");
            assertEquals(512, o.dense2Out());
            assertEquals(512, o.dense3In());
            assertSameHyperParameters(t, o);
            // same problems (none, or until Q4_K is computable the same type refusals under the same tensor names)
            assertEquals(t.tensorProblems(twin), o.tensorProblems(ollama).stream().map(OllamaLayoutTest::twinNames).toList());
        }
    }

    @Test
    void bf16BlobBindsTheTwinsBytes() throws Exception {
        assertSameWeights("q256-bf16");
    }

    @Test
    void q4kmBlobBindsTheTwinsBytes() throws Exception {
        assertSameWeights("q256-q4_k_m");
    }

    @Test
    void synthesizedOllamaCopyOfTheSmallModelEqualsIt(@TempDir Path dir) throws Exception {
        Path blob = GgufVariants.ollama(dir, "small-ollama.gguf", w -> {});
        try (GgufFile o = GgufFile.open(blob); GgufFile t = GgufFile.open(TestData.file(GgufVariants.BASE))) {
            ModelConfig co = ModelConfig.from(o), ct = ModelConfig.from(t);
            assertSameHyperParameters(ct, co);
            assertEquals(List.of(), co.tensorProblems(o));
            assertSameBytes(ModelWeights.bind(t, ct), ModelWeights.bind(o, co));
        }
    }

    private static String twinNames(String problem) {
        return problem.replace("dense.0.", "dense_2.").replace("dense.1.", "dense_3.");
    }

    private static void assertSameWeights(String model) throws Exception {
        try (GgufFile ollama = GgufFile.open(TestData.file("golden-quant/" + model + "-ollama.gguf"));
             GgufFile twin = GgufFile.open(TestData.file("golden-quant/" + model + ".gguf"))) {
            assertSameBytes(ModelWeights.bind(twin, ModelConfig.from(twin)), ModelWeights.bind(ollama, ModelConfig.from(ollama)));
        }
    }

    /** Every record component but the layout (architecture and tensor names are what differ). */
    static void assertSameHyperParameters(ModelConfig expected, ModelConfig actual) throws Exception {
        int compared = 0;
        for (RecordComponent c : ModelConfig.class.getRecordComponents()) {
            if (c.getName().equals("layout")) continue;
            assertEquals(c.getAccessor().invoke(expected), c.getAccessor().invoke(actual), c.getName());
            compared++;
        }
        assertEquals(ModelConfig.class.getRecordComponents().length - 1, compared);
    }

    static void assertSameBytes(ModelWeights expected, ModelWeights actual) {
        List<WeightMatrix> e = matrices(expected), a = matrices(actual);
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            WeightMatrix x = e.get(i), y = a.get(i);
            String what = x.name() + " vs " + y.name();
            assertEquals(x.type(), y.type(), what);
            assertEquals(x.rows(), y.rows(), what);
            assertEquals(x.cols(), y.cols(), what);
            assertEquals(-1, x.data().mismatch(y.data()), what);
        }
        assertArrayEquals(expected.outputNorm(), actual.outputNorm());
        for (int il = 0; il < expected.layers().size(); il++) {
            LayerWeights x = expected.layers().get(il), y = actual.layers().get(il);
            assertArrayEquals(x.attnNorm(), y.attnNorm());
            assertArrayEquals(x.qNorm(), y.qNorm());
            assertArrayEquals(x.kNorm(), y.kNorm());
            assertArrayEquals(x.postAttnNorm(), y.postAttnNorm());
            assertArrayEquals(x.ffnNorm(), y.ffnNorm());
            assertArrayEquals(x.postFfnNorm(), y.postFfnNorm());
        }
        assertEquals(expected.outputDim(), actual.outputDim());
    }

    private static List<WeightMatrix> matrices(ModelWeights w) {
        List<WeightMatrix> m = new ArrayList<>(List.of(w.tokenEmbd(), w.dense2(), w.dense3()));
        for (LayerWeights l : w.layers()) m.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()));
        return m;
    }
}
