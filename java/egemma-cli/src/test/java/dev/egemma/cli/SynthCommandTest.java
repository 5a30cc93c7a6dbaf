// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SynthCommandTest {
    @TempDir
    Path dir;

    private final String vocab = CliTestSupport.testdata("embeddinggemma-vocab.gguf").toString();

    @Test
    void writesASmallModelWithOverrides() throws Exception {
        Path out = dir.resolve("m.gguf");
        CliTestSupport.Result r = CliTestSupport.run("synth", "-o", out.toString(), "--preset", "small", "--type", "bf16", "--seed", "7",
                "--dense", "128", "--vocab", vocab, "--vocab-size", "2048", "--n-embd", "96", "--n-layer", "3", "--n-head", "2",
                "--n-head-kv", "2", "--head-dim", "48", "--n-ff", "160", "--swa", "16");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + out), r.out());
        try (GgufFile f = GgufFile.open(out)) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(List.of(), c.tensorProblems(f));
            assertEquals(96, c.nEmbd());
            assertEquals(3, c.nLayer());
            assertEquals(2, c.nHeadKv());
            assertEquals(48, c.headDimK());
            assertEquals(160, c.nFf());
            assertEquals(16, c.slidingWindow());
            assertEquals(2048, c.vocabSize());
            assertEquals(128, c.dense2Out());
            assertEquals(GgmlType.BF16, f.tensor("blk.2.ffn_down.weight").type());
            assertEquals("synthetic-embeddinggemma-small-bf16-seed7", f.getString("general.name"));
        }
    }

    @Test
    void sameArgumentsSameBytes() throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf");
        assertEquals(0, CliTestSupport.run("synth", "-o", a.toString(), "--vocab", vocab).exit());
        assertEquals(0, CliTestSupport.run("synth", "-o", b.toString(), "--vocab", vocab).exit());
        assertEquals(-1, Files.mismatch(a, b));
        try (GgufFile f = GgufFile.open(a)) {
            assertEquals(GgmlType.Q8_0, f.tensor("token_embd.weight").type());
            assertEquals(16384, ModelConfig.from(f).vocabSize());
        }
    }

    @Test
    void badOptionsAreReported() {
        CliTestSupport.Result r = CliTestSupport.run("synth", "-o", dir.resolve("x.gguf").toString(), "--type", "q4_0", "--vocab", vocab);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--type 'q4_0'"), r.err());
        r = CliTestSupport.run("synth", "-o", dir.resolve("x.gguf").toString(), "--n-ff", "100", "--vocab", vocab);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("input dimension 100"), r.err());
        r = CliTestSupport.run("synth", "-o", dir.resolve("x.gguf").toString(), "--preset", "huge", "--vocab", vocab);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unknown preset 'huge'"), r.err());
    }
}
