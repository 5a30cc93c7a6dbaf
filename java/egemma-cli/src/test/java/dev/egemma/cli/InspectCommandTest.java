package dev.egemma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {

    @Test
    void textReportOfTheGoldenQ8Model() {
        CliTestSupport.Result r = CliTestSupport.run("inspect", CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("GGUF v3"), out);
        assertTrue(out.contains("tokenizer.ggml.tokens") && out.contains("[STRING x 16384] \"<pad>\", \"<eos>\""), out);
        assertTrue(out.matches("(?s).*blk\\.0\\.attn_q\\.weight\\s+Q8_0\\s+\\[64, 96]\\s+[\\d,]+\\s+6,528.*"), out);
        assertTrue(out.contains("total: 82 tensors"), out);
        assertTrue(out.contains("nHeadKv          1"), out);
        assertTrue(out.contains("globalLayers     [5]"), out);
        assertTrue(out.contains("problems: none"), out);
    }

    @Test
    void jsonReportAbbreviatesLongArrays() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--json", CliTestSupport.testdata("embeddinggemma-vocab.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("version").asInt());
        JsonNode tokens = j.get("metadata").get("tokenizer.ggml.tokens");
        assertEquals(262144, tokens.get("length").asInt());
        assertEquals(8, tokens.get("first").size());
        assertEquals("<bos>", tokens.get("first").get(2).asText());
        assertFalse(j.get("metadata").get("tokenizer.ggml.add_space_prefix").get("value").asBoolean());
        assertEquals(0, j.get("tensors").size());
        assertTrue(j.get("hyperParameters").isNull());
        assertTrue(j.get("problems").get(0).asText().contains("embedding_length"), j.get("problems").toString());
    }

    @Test
    void jsonTensorsAndTotals() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--json", CliTestSupport.testdata("golden/small-f32.gguf").toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(80, j.get("totals").get("tensors").asInt());
        JsonNode first = j.get("tensors").get(0);
        assertEquals("token_embd.weight", first.get("name").asText());
        assertEquals("[64,16384]", first.get("shape").toString());
        assertEquals(64L * 16384 * 4, first.get("bytes").asLong());
        assertEquals(64, j.get("hyperParameters").get("nEmbd").asInt());
        assertEquals(0, j.get("problems").size());
    }

    @Test
    void badFileIsAnErrorNamingTheProblem(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, "GGUF\u0009\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliTestSupport.Result r = CliTestSupport.run("inspect", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.gguf: at byte 4, version"), r.err());
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        CliTestSupport.Result r = CliTestSupport.run("inspect", dir.resolve("nope.gguf").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no such file: ") && r.err().contains("nope.gguf"), r.err());
    }
}
