// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.Backend;
import dev.egemma.Chunking;
import dev.egemma.Embedder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code egemma embed --chunk-tokens}: one record per chunk with its spans and the library's vector; bad combinations are usage errors. */
class ChunkCommandTest {
    static final Path MODEL = CliTestSupport.testdata("golden/small-dense-q8_0.gguf");
    static final String TEXT = "Embedding models are mostly fed document chunks of a few hundred tokens, and late chunking helps.";

    @Test
    void recordsPerChunkMatchTheLibrary() throws Exception {
        for (boolean late : new boolean[] {false, true}) {
            CliTestSupport.Result r = late
                    ? CliTestSupport.run("embed", "-m", MODEL.toString(), "--backend", "java", "--chunk-tokens", "8", "--chunk-overlap", "2", "--late-chunking", TEXT, "second")
                    : CliTestSupport.run("embed", "-m", MODEL.toString(), "--backend", "java", "--chunk-tokens", "8", "--chunk-overlap", "2", TEXT, "second");
            assertEquals(0, r.exit(), r.err());
            List<Chunking.Chunk> expected;
            try (Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withBackend(Backend.JAVA))) {
                expected = e.embedChunks(TEXT, new Chunking(8, 2, late));
            }
            List<String> lines = r.out().lines().toList();
            assertEquals(expected.size() + 1, lines.size(), "the text's chunks, then the short second text's one");
            ObjectMapper json = new ObjectMapper();
            for (int j = 0; j < expected.size(); j++) {
                JsonNode n = json.readTree(lines.get(j));
                Chunking.Chunk c = expected.get(j);
                assertEquals(0, n.get("index").asInt());
                assertEquals(j, n.get("chunk").asInt());
                assertEquals(c.tokenFrom(), n.get("tokens").get(0).asInt());
                assertEquals(c.tokenTo(), n.get("tokens").get(1).asInt());
                assertEquals(c.charFrom(), n.get("chars").get(0).asInt());
                assertEquals(c.charTo(), n.get("chars").get(1).asInt());
                for (int k = 0; k < c.vector().length; k++) assertEquals(c.vector()[k], n.get("embedding").get(k).floatValue(), 0f);
            }
            assertEquals(1, json.readTree(lines.getLast()).get("index").asInt());
        }
    }

    @Test
    void badCombinationsAreUsageErrors() {
        String m = MODEL.toString();
        for (String[] args : new String[][] {
                {"embed", "-m", m, "--chunk-tokens", "8", "--chunk-overlap", "8", "x"},
                {"embed", "-m", m, "--late-chunking", "x"},
                {"embed", "-m", m, "--chunk-overlap", "2", "x"},
                {"embed", "-m", m, "--chunk-tokens", "8", "--format", "npy", "x"},
                {"embed", "-m", m, "--chunk-tokens", "0", "x"}}) {
            CliTestSupport.Result r = CliTestSupport.run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("egemma embed: ") && !r.err().strip().contains("\n"), r.err());
        }
        CliTestSupport.Result tooLong = CliTestSupport.run("embed", "-m", m, "--chunk-tokens", "8", "--late-chunking", "word ".repeat(3000));
        assertEquals(1, tooLong.exit());
        assertTrue(tooLong.err().contains("late chunking runs the whole text at once"), tooLong.err());
    }
}
