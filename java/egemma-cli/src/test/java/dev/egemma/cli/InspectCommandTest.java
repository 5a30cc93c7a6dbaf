// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufWriter;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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
        assertEquals("egemma inspect: " + dir.resolve("nope.gguf") + ": no such file or directory", r.err().strip());
    }

    /**
     * A file with an IQ2_XXS tensor (a type ggml defines and egemma does not compute) and one whose type id 99 ggml
     * does not define, beside an F32 norm: the id is patched into the written bytes, as no writer can emit it.
     */
    private static Path fileWithTypesEgemmaCannotCompute(Path dir) throws Exception {
        Path p = dir.resolve("odd-types.gguf");
        new GgufWriter().putString("general.architecture", "gemma-embedding")
                .tensor("output_norm.weight", GgmlType.F32, new long[] {8}, new float[8])
                .tensor("blk.0.ffn_up.weight", GgmlType.IQ2_XXS, new long[] {256, 2}, MemorySegment.ofArray(new byte[2 * 66]))
                .tensor("blk.0.ffn_down.weight", GgmlType.F32, new long[] {8, 2}, new float[16])
                .write(p);
        byte[] b = Files.readAllBytes(p);
        byte[] name = "blk.0.ffn_down.weight".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(b, name) + name.length + 4 + 2 * 8; // past n_dims and ne[0..1]: the type id
        assertEquals(GgmlType.F32.id, b[at]);
        b[at] = 99;
        Files.write(p, b);
        return p;
    }

    private static int indexOf(byte[] b, byte[] what) {
        for (int i = 0; i + what.length <= b.length; i++) if (Arrays.equals(b, i, i + what.length, what, 0, what.length)) return i;
        throw new AssertionError("not found");
    }

    @Test
    void unknownAndUncomputableTypesAreListedNotFatal(@TempDir Path dir) throws Exception {
        Path p = fileWithTypesEgemmaCannotCompute(dir);
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--json", p.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode down = j.get("tensors").get(2);
        assertEquals("type#99", down.get("type").asText());
        assertEquals(99, down.get("typeId").asInt());
        assertTrue(down.get("bytes").isNull());
        JsonNode byType = j.get("totals").get("byType");
        assertEquals(1, byType.get("F32").get("tensors").asInt());
        assertEquals(32, byType.get("F32").get("bytes").asLong());
        assertEquals(1, byType.get("IQ2_XXS").get("tensors").asInt());
        assertEquals(2 * 66, byType.get("IQ2_XXS").get("bytes").asLong());
        assertEquals(1, byType.get("type#99").get("tensors").asInt());
        assertTrue(byType.get("type#99").get("bytes").isNull());
        assertEquals(16, byType.get("type#99").get("elements").asLong());
        JsonNode cannot = j.get("notComputable");
        assertEquals(2, cannot.size(), cannot.toString());
        assertEquals("blk.0.ffn_up.weight", cannot.get(0).get("name").asText());
        assertEquals("IQ2_XXS", cannot.get(0).get("type").asText());
        assertEquals("blk.0.ffn_down.weight", cannot.get(1).get("name").asText());
        assertEquals("type#99", cannot.get(1).get("type").asText());

        r = CliTestSupport.run("inspect", p.toString());
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.matches("(?s).*blk\\.0\\.ffn_down\\.weight\\s+type#99\\s+\\[8, 2]\\s+[\\d,]+\\s+unknown\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  type#99 +1 tensors, unknown bytes\\n.*"), out);
        assertTrue(out.matches("(?s).*types egemma cannot compute: 2 tensors\\n  blk\\.0\\.ffn_up\\.weight +IQ2_XXS\\n  blk\\.0\\.ffn_down\\.weight +type#99\\n.*"), out);
    }

    @Test
    void countsPerTypeOfLlamaCppQuantizedFiles() throws Exception {
        // The counts are the README's table of testdata/golden-quant (2-D tensors; the 2 norms per layer + 1 are F32).
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--json", CliTestSupport.testdata("golden-quant/q256-iq4_xs.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode byType = new ObjectMapper().readTree(r.out()).get("totals").get("byType");
        assertEquals(38, byType.get("IQ4_XS").get("tensors").asInt(), byType.toString());
        assertEquals(6, byType.get("IQ4_NL").get("tensors").asInt());
        assertEquals(1, byType.get("Q6_K").get("tensors").asInt());

        r = CliTestSupport.run("inspect", "--json", CliTestSupport.testdata("golden-quant/q256-q8_0.gguf").toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(45, j.get("totals").get("byType").get("Q8_0").get("tensors").asInt());
        assertEquals(0, j.get("notComputable").size(), j.get("notComputable").toString());
        assertEquals(0, j.get("problems").size(), j.get("problems").toString());
        r = CliTestSupport.run("inspect", CliTestSupport.testdata("golden-quant/q256-q8_0.gguf").toString());
        assertTrue(r.out().contains("types egemma cannot compute: none"), r.out());
    }
}
