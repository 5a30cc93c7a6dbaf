// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EmbedCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path MODEL = CliTestSupport.testdata("golden/small-dense-f32.gguf");

    static JsonNode goldenItem(String text) throws Exception {
        return goldenItem("small-dense-f32", text);
    }

    static JsonNode goldenItem(String model, String text) throws Exception {
        JsonNode root = JSON.readTree(CliTestSupport.testdata("golden/" + model + ".golden.json").toFile());
        for (JsonNode it : root.get("items")) if (it.get("text").asText().equals(text)) return it;
        throw new AssertionError("no golden item " + text);
    }

    @Test
    void jsonlInInputOrderWithRoundTrippableFloats() throws Exception {
        var r = CliTestSupport.run("embed", "-m", MODEL.toString(), "--backend", "java", "--threads", "2", "Hello world", "", "The quick brown fox jumps over the lazy dog.");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length);
        float[][] api;
        try (Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1))) {
            api = e.embed(List.of("Hello world", "", "The quick brown fox jumps over the lazy dog."));
        }
        for (int i = 0; i < 3; i++) {
            JsonNode n = JSON.readTree(lines[i]);
            assertEquals(i, n.get("index").asInt());
            JsonNode emb = n.get("embedding");
            assertEquals(64, emb.size());
            for (int j = 0; j < 64; j++) assertEquals(api[i][j], Float.parseFloat(emb.get(j).asText()), "text " + i + " value " + j);
        }
        JsonNode g = goldenItem("Hello world").get("embedding");
        JsonNode first = JSON.readTree(lines[0]).get("embedding");
        for (int j = 0; j < 64; j++) assertEquals(g.get(j).asDouble(), first.get(j).asDouble(), 1e-4);
    }

    @Test
    void formatsDimensionAndStats(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"Hello world\"}\n{\"text\": \"second\"}\n", StandardCharsets.UTF_8);
        Path npy = dir.resolve("out.npy");
        var r = CliTestSupport.run("embed", "-m", MODEL.toString(), "-i", in.toString(), "--input-format", "jsonl",
                "--format", "npy", "-o", npy.toString(), "--dim", "32", "--stats", "--backend", "java");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("tokens/s:") && r.err().contains("texts: 2"), r.err());
        byte[] b = Files.readAllBytes(npy);
        String header = new String(b, 10, (b[8] & 0xff) | (b[9] & 0xff) << 8, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (2, 32)") && header.contains("'<f4'"), header);
        assertEquals(0, (10 + header.length()) % 64);
        assertEquals(10 + header.length() + 2 * 32 * 4, b.length);
        ByteBuffer bb = ByteBuffer.wrap(b, 10 + header.length(), 32 * 4).order(ByteOrder.LITTLE_ENDIAN);
        double s = 0;
        for (int j = 0; j < 32; j++) s += Math.pow(bb.getFloat(), 2);
        assertEquals(1.0, s, 1e-5, "Matryoshka output is re-normalized");

        var csv = CliTestSupport.run("embed", "-m", MODEL.toString(), "--format", "csv", "a", "b", "--no-normalize");
        assertEquals(0, csv.exit(), csv.err());
        String[] rows = csv.out().strip().split("\n");
        assertEquals(2, rows.length);
        assertEquals(64, rows[0].split(",").length);

        var json = CliTestSupport.run("embed", "-m", MODEL.toString(), "--format", "json", "a", "b");
        assertEquals(0, json.exit(), json.err());
        JsonNode arr = JSON.readTree(json.out());
        assertEquals(2, arr.size());
        assertEquals(1, arr.get(1).get("index").asInt());
    }

    @Test
    void q8OrderPicksTheProductOrderBlockByDefaultOnBothBackends() throws Exception {
        CliTestSupport.requireNative();
        Path q8 = CliTestSupport.testdata("golden/small-dense-q8_0.gguf");
        List<String> texts = List.of("Hello world", "The quick brown fox jumps over the lazy dog.");
        float[][] api;
        try (Embedder e = Embedder.open(q8, Embedder.Options.defaults().withBackend(Backend.NATIVE).withQ8Order(Q8Order.X86).withThreads(1))) {
            api = e.embed(texts);
        }
        var r = CliTestSupport.run("embed", "-m", q8.toString(), "--backend", "native", "--q8-order", "llamacpp-x86", "--threads", "1", "--stats",
                texts.get(0), texts.get(1));
        assertEquals(0, r.exit(), r.err());
        boolean neon = r.err().contains("backend: native-neon");
        assertTrue(r.err().contains("backend: native-") && (neon || r.err().contains("-x86, threads: 1")), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        for (int i = 0; i < 2; i++) {
            JsonNode emb = JSON.readTree(lines[i]).get("embedding");
            for (int j = 0; j < api[i].length; j++) assertEquals(api[i][j], Float.parseFloat(emb.get(j).asText()), "text " + i + " value " + j);
        }
        var old = CliTestSupport.run("embed", "-m", q8.toString(), "--backend", "native", "--q8-order", "X86", "--threads", "1", texts.get(0), texts.get(1));
        assertEquals(0, old.exit(), old.err());
        assertEquals(r.out(), old.out(), "the old name x86 is llamacpp-x86");

        // no --q8-order: the block order, the same bits on both backends, and not llama.cpp's x86 ones
        var nat = CliTestSupport.run("embed", "-m", q8.toString(), "--backend", "native", "--threads", "1", "--stats", texts.get(0), texts.get(1));
        var jav = CliTestSupport.run("embed", "-m", q8.toString(), "--backend", "java", "--threads", "1", "--stats", texts.get(0), texts.get(1));
        var block = CliTestSupport.run("embed", "-m", q8.toString(), "--backend", "java", "--q8-order", "block", "--threads", "1", texts.get(0), texts.get(1));
        assertEquals(0, nat.exit(), nat.err());
        assertEquals(0, jav.exit(), jav.err());
        assertFalse(nat.err().contains("-x86,") || jav.err().contains("-x86,"), nat.err() + jav.err());
        assertEquals(nat.out(), jav.out(), "--backend native and --backend java");
        assertEquals(block.out(), jav.out(), "the default is --q8-order block");
        if (!neon) assertNotEquals(r.out(), nat.out(), "the block order gave llama.cpp's x86 bits");
    }

    @Test
    void aBadQ8OrderIsAUsageError() {
        var r = CliTestSupport.run("embed", "-m", MODEL.toString(), "--q8-order", "fast", "x");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--q8-order") && r.err().contains("'fast'") && r.err().contains("block, llamacpp-x86"), r.err());
        var help = CliTestSupport.run("embed", "--help");
        assertTrue(help.out().contains("--q8-order=block|llamacpp-x86") && help.out().contains("EGEMMA_Q8_ORDER"), help.out());
    }

    @Test
    void taskPromptAndErrors() throws Exception {
        var t = CliTestSupport.run("embed", "-m", MODEL.toString(), "--task", "query", "what is the capital of France?");
        var p = CliTestSupport.run("embed", "-m", MODEL.toString(), "--prompt", "task: search result | query: ", "what is the capital of France?");
        assertEquals(0, t.exit(), t.err());
        assertEquals(t.out(), p.out());
        JsonNode g = goldenItem("task: search result | query: what is the capital of France?").get("embedding");
        JsonNode e = JSON.readTree(t.out()).get("embedding");
        for (int j = 0; j < 64; j++) assertEquals(g.get(j).asDouble(), e.get(j).asDouble(), 1e-4);

        var bad = CliTestSupport.run("embed", "-m", MODEL.toString(), "--task", "nope", "x");
        assertNotEquals(0, bad.exit());
        assertTrue(bad.err().contains("code-retrieval"), bad.err());
        var both = CliTestSupport.run("embed", "-m", MODEL.toString(), "--task", "query", "--prompt", "x", "y");
        assertNotEquals(0, both.exit());
        var dim = CliTestSupport.run("embed", "-m", MODEL.toString(), "--dim", "65", "x");
        assertEquals(1, dim.exit());
        assertTrue(dim.err().contains("65"), dim.err());
        var missing = CliTestSupport.run("embed", "-m", "/nonexistent/model.gguf", "x");
        assertNotEquals(0, missing.exit());
    }

    @Test
    void dumpLayersWritesEveryLayerAndTheFinalNormMatchesLlamaCpp(@TempDir Path dir) throws Exception {
        // small-f32: in the dense goldens the per-token outputs are taken after the dense projections
        var r = CliTestSupport.run("embed", "-m", CliTestSupport.testdata("golden/small-f32.gguf").toString(), "--dump-layers", dir.toString(), "Hello world");
        assertEquals(0, r.exit(), r.err());
        Path t0 = dir.resolve("text-0000");
        for (String n : new String[] {"inp_scaled", "layer_00", "layer_05", "result_norm"}) assertTrue(Files.exists(t0.resolve(n + ".npy")), n);
        assertFalse(Files.exists(t0.resolve("layer_06.npy")));
        byte[] b = Files.readAllBytes(t0.resolve("result_norm.npy"));
        int hl = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        String header = new String(b, 10, hl, StandardCharsets.US_ASCII);
        JsonNode golden = goldenItem("small-f32", "Hello world").get("token_outputs_result_norm");
        assertTrue(header.contains("'shape': (" + golden.size() + ", 64)"), header);
        ByteBuffer bb = ByteBuffer.wrap(b, 10 + hl, b.length - 10 - hl).order(ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < golden.size(); t++)
            for (int j = 0; j < 64; j++) assertEquals(golden.get(t).get(j).asDouble(), bb.getFloat(), 1e-4, "token " + t + " value " + j);
    }
}
