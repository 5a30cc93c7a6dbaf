// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Which files are EmbeddingGemmas, in which layout, and the one-line refusals of the others. */
class ModelLayoutTest {
    @TempDir Path dir;

    private static final Consumer<GgufWriter> CHAT_MODEL =
            w -> w.remove("gemma3.pooling_type").removeTensor("dense.0.weight").removeTensor("dense.1.weight");

    @Test
    void gemma3WithoutPoolingOrDenseIsRefusedAsAChatModel() throws Exception {
        String m = refusal(GgufVariants.ollama(dir, "chat.gguf", CHAT_MODEL));
        assertTrue(m.contains("general.architecture is 'gemma3' with no gemma3.pooling_type and no dense.0.weight"), m);
        assertTrue(m.contains("causal Gemma 3 (chat) model, not an EmbeddingGemma"), m);
        // pooling_type 0 (none) is a chat model's too
        String zero = refusal(GgufVariants.ollama(dir, "chat0.gguf", CHAT_MODEL.andThen(w -> w.putU32("gemma3.pooling_type", 0))));
        assertTrue(zero.contains("causal Gemma 3"), zero);
    }

    @Test
    void gemma3IsAnEmbeddingModelByPoolingTypeOrByDenseAlone() throws Exception {
        Path poolingOnly = GgufVariants.ollama(dir, "pool.gguf", w -> w.removeTensor("dense.0.weight").removeTensor("dense.1.weight"));
        Path denseOnly = GgufVariants.ollama(dir, "dense.gguf", w -> w.remove("gemma3.pooling_type"));
        try (GgufFile p = GgufFile.open(poolingOnly); GgufFile d = GgufFile.open(denseOnly)) {
            assertEquals("gemma3.", ModelLayout.of(p).prefix());
            ModelConfig c = ModelConfig.from(p);
            assertFalse(c.hasDense());
            assertEquals(List.of(), c.tensorProblems(p));
            assertEquals("dense.0.weight", ModelLayout.of(d).dense2());
            // recognised, but the pooling type stays required, as for llama.cpp's layout
            Exception e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.from(d));
            assertTrue(e.getMessage().contains("missing required metadata [gemma3.pooling_type]"), e.getMessage());
        }
    }

    @Test
    void causalTrueIsRefusedInBothLayoutsAndFalseIsAccepted() throws Exception {
        String o = refusal(GgufVariants.ollama(dir, "causal.gguf", w -> w.putBool("gemma3.attention.causal", true)));
        assertTrue(o.endsWith("gemma3.attention.causal is true: a causal model; EmbeddingGemma attends both ways, so the file cannot be one"), o);
        String l = refusal(GgufVariants.llamaCpp(dir, "causal-l.gguf", w -> w.putBool("gemma-embedding.attention.causal", true)));
        assertTrue(l.contains("gemma-embedding.attention.causal is true"), l);
        Path ok = GgufVariants.ollama(dir, "bidir.gguf", w -> w.putBool("gemma3.attention.causal", false));
        try (GgufFile f = GgufFile.open(ok)) {
            assertEquals(List.of(), ModelConfig.from(f).tensorProblems(f));
        }
    }

    @Test
    void otherArchitecturesAreRefusedSayingWhatTheyAre() throws Exception {
        String next = refusal(GgufVariants.llamaCpp(dir, "e2.gguf", w -> w.putString("general.architecture", "gemma-embedding2")));
        assertTrue(next.contains("general.architecture is 'gemma-embedding2', an embedding architecture other than EmbeddingGemma's"), next);
        String llama = refusal(GgufVariants.llamaCpp(dir, "llama.gguf", w -> w.putString("general.architecture", "llama")));
        assertTrue(llama.contains("general.architecture is 'llama', not an EmbeddingGemma"), llama);
        assertTrue(llama.contains("egemma runs 'gemma-embedding' files and Ollama's 'gemma3' embedding blobs"), llama);
        String none = refusal(GgufVariants.llamaCpp(dir, "none.gguf", w -> w.remove("general.architecture")));
        assertTrue(none.contains("no general.architecture key"), none);
    }

    @Test
    void finalNormMayBeNamedNormWeight() throws Exception {
        Path renamed = GgufVariants.ollama(dir, "norm.gguf", w -> {});
        Path edited;
        try (GgufFile f = GgufFile.open(renamed)) {
            var t = f.tensor("output_norm.weight");
            GgufWriter w = GgufWriter.copyOf(f).removeTensor("output_norm.weight").tensor("norm.weight", t.type(), t.shape(), t.data());
            edited = dir.resolve("norm-weight.gguf");
            w.write(edited);
        }
        try (GgufFile a = GgufFile.open(renamed); GgufFile b = GgufFile.open(edited)) {
            ModelConfig cb = ModelConfig.from(b);
            assertEquals("norm.weight", cb.layout().outputNorm());
            assertEquals(List.of(), cb.tensorProblems(b));
            assertArrayEquals(ModelWeights.bind(a, ModelConfig.from(a)).outputNorm(), ModelWeights.bind(b, cb).outputNorm());
        }
    }

    /** The message of ModelConfig.from's refusal, checked to be one line that names the file. */
    static String refusal(Path file) throws Exception {
        try (GgufFile f = GgufFile.open(file)) {
            String m = assertThrows(IllegalArgumentException.class, () -> ModelConfig.from(f)).getMessage();
            assertTrue(m.startsWith(file + ": "), m);
            assertFalse(m.contains("\n"), m);
            return m;
        }
    }
}
