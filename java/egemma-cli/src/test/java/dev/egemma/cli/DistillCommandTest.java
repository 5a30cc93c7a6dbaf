// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.staticembed.Emb8File;
import dev.egemma.staticembed.StaticEmbedder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DistillCommandTest {
    @TempDir
    Path dir;

    private final String model = CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString();

    @Test
    void tableDistillationThenEmbedWithTheStaticFile() throws Exception {
        Path out = dir.resolve("m.emb8");
        CliTestSupport.Result r = CliTestSupport.run("distill", "-m", model, "-o", out.toString(), "--method", "table", "--dim", "32", "--seed", "3");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("PCA 64 -> 32 on 16384 rows"), r.err());
        try (Emb8File f = Emb8File.open(out)) {
            assertEquals(16384, f.vocabSize());
            assertEquals(32, f.embedDim());
            assertEquals(64, f.originalDim());
        }
        long tables = 32 + 4 * 64 + 4 * 32 * 64 + 4 * 16384 + 16384 * 32;
        assertTrue(Files.size(out) > tables, "tables plus the tokenizer");

        r = CliTestSupport.run("embed", "-m", out.toString(), "The quick brown fox", "");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        try (StaticEmbedder e = StaticEmbedder.open(out)) {
            String[] texts = {"The quick brown fox", ""};
            for (int i = 0; i < 2; i++) {
                JsonNode n = new ObjectMapper().readTree(lines[i]);
                assertEquals(i, n.get("index").asInt());
                float[] want = e.embed(texts[i]);
                assertEquals(32, n.get("embedding").size());
                for (int j = 0; j < 32; j++) assertEquals(want[j], n.get("embedding").get(j).floatValue(), 0f);
            }
        }
        r = CliTestSupport.run("embed", "-m", out.toString(), "--dim", "16", "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("static table of width 32"), r.err());
    }

    @Test
    void sameSeedSameBytes() throws Exception {
        Path a = dir.resolve("a.emb8"), b = dir.resolve("b.emb8");
        assertEquals(0, CliTestSupport.run("distill", "-m", model, "-o", a.toString(), "--method", "table", "--dim", "8", "--pca-sample", "4000", "--quiet").exit());
        assertEquals(0, CliTestSupport.run("distill", "-m", model, "-o", b.toString(), "--method", "table", "--dim", "8", "--pca-sample", "4000", "--quiet").exit());
        assertEquals(-1, Files.mismatch(a, b));
    }

    @Test
    void foreignCheckpointIsAClearError() throws Exception {
        Path out = dir.resolve("c.emb8");
        Files.write(out.resolveSibling("c.emb8.teacher-checkpoint"), new byte[64]);
        CliTestSupport.Result r = CliTestSupport.run("distill", "-m", model, "-o", out.toString(), "--dim", "8");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("checkpoint of another model, vocabulary or width; delete it to start over"), r.err());
    }

    @Test
    void refusesAWidthBeyondTheModels() {
        CliTestSupport.Result r = CliTestSupport.run("distill", "-m", model, "-o", dir.resolve("x.emb8").toString(), "--method", "table", "--dim", "65");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("dimension 65 is outside 1..64"), r.err());
        assertFalse(Files.exists(dir.resolve("x.emb8")));
    }
}
