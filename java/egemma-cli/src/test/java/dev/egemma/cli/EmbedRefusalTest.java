// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Files that are not an EmbeddingGemma: `egemma embed` says why in one line and exits non-zero. */
class EmbedRefusalTest {
    static final Path OLLAMA = CliTestSupport.testdata("golden-quant/q256-bf16-ollama.gguf");
    @TempDir Path dir;

    private String refusal(Consumer<GgufWriter> edit) throws Exception {
        String line = CliTestSupport.embedFailure(OLLAMA, dir, edit);
        assertTrue(line.startsWith("egemma embed: " + dir.resolve("model.gguf") + ": "), line);
        return line;
    }

    @Test
    void gemma3ChatModel() throws Exception {
        String m = refusal(w -> w.remove("gemma3.pooling_type").removeTensor("dense.0.weight").removeTensor("dense.1.weight"));
        assertTrue(m.endsWith("general.architecture is 'gemma3' with no gemma3.pooling_type and no dense.0.weight: a causal Gemma 3 (chat) model,"
                + " not an EmbeddingGemma (egemma runs 'gemma-embedding' files and Ollama's 'gemma3' embedding blobs)"), m);
    }

    @Test
    void causalFlag() throws Exception {
        assertTrue(refusal(w -> w.putBool("gemma3.attention.causal", true)).contains("gemma3.attention.causal is true: a causal model"));
    }

    @Test
    void otherArchitecture() throws Exception {
        assertTrue(refusal(w -> w.putString("general.architecture", "gemma-embedding2")).contains("general.architecture is 'gemma-embedding2'"));
    }

    @Test
    void unsupportedWeightType() throws Exception {
        String m = refusal(w -> w.removeTensor("dense.1.weight").tensor("dense.1.weight", dev.egemma.gguf.GgmlType.Q8_1, new long[] {512, 256},
                java.lang.foreign.MemorySegment.ofArray(new byte[512 / 32 * 36 * 256])));
        assertTrue(m.contains("not a usable EmbeddingGemma model: 1 tensor of type Q8_1 (dense.1.weight): egemma does not compute Q8_1 weights"), m);
    }
}
