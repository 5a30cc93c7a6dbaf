// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TESTDATA = Path.of(System.getProperty("egemma.testdata", "../../testdata"));
    private static final String VOCAB = TESTDATA.resolve("embeddinggemma-vocab.gguf").toString();

    record Run(int exit, String out, String err) {
        List<JsonNode> lines() throws IOException {
            List<JsonNode> l = new ArrayList<>();
            for (String s : out.split("\n")) if (!s.isEmpty()) l.add(JSON.readTree(s));
            return l;
        }
    }

    static synchronized Run run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> l = new ArrayList<>();
        array.forEach(n -> l.add(n.intValue()));
        return l;
    }

    @Test
    void textArgumentsWithPieces() throws IOException {
        Run r = run("", "tokenize", "-m", VOCAB, "--pieces", "Hello world", "naïve 🙂");
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> lines = r.lines();
        assertEquals(2, lines.size());
        assertEquals("Hello world", lines.get(0).get("text").textValue());
        // llama.cpp's ids for "Hello world" (testdata/golden/*.golden.json, item 0)
        assertEquals(List.of(2, 9259, 1902, 1), ints(lines.get(0).get("ids")));
        assertEquals("[\"<bos>\",\"Hello\",\"▁world\",\"<eos>\"]", lines.get(0).get("pieces").toString());
        assertEquals("naïve 🙂", lines.get(1).get("text").textValue());
        assertEquals(lines.get(1).get("ids").size(), lines.get(1).get("pieces").size());
    }

    /** The whole public.jsonl through --input-format jsonl in the three modes, against llama.cpp's ids. */
    @Test
    void jsonlInputMatchesLlamaCppInAllModes() throws IOException {
        Path vectors = TESTDATA.resolve("tokenizer/public.jsonl");
        List<JsonNode> expected = new ArrayList<>();
        for (String l : Files.readAllLines(vectors)) if (!l.isBlank()) expected.add(JSON.readTree(l));
        String[][] modes = {{"ids"}, {"ids_no_special", "--no-special"}, {"ids_no_parse_special", "--no-parse-special"}};
        for (String[] mode : modes) {
            List<String> args = new ArrayList<>(List.of("tokenize", "-m", VOCAB, "-i", vectors.toString(), "--input-format", "jsonl"));
            if (mode.length > 1) args.add(mode[1]);
            Run r = run("", args.toArray(String[]::new));
            assertEquals(0, r.exit(), r.err());
            List<JsonNode> got = r.lines();
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(expected.get(i).get("text").textValue(), got.get(i).get("text").textValue());
                assertEquals(expected.get(i).get(mode[0]), got.get(i).get("ids"), mode[0] + " line " + (i + 1));
            }
        }
    }

    @Test
    void textInputFromFileAndStdinIsOneTextPerLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("in.txt");
        Files.writeString(f, "Hello world\r\n\nsecond line\n", StandardCharsets.UTF_8);
        Run fromFile = run("", "tokenize", "-m", VOCAB, "-i", f.toString());
        assertEquals(0, fromFile.exit(), fromFile.err());
        List<JsonNode> lines = fromFile.lines();
        assertEquals(List.of("Hello world", "", "second line"), lines.stream().map(n -> n.get("text").textValue()).toList());
        assertEquals(List.of(2, 1), ints(lines.get(1).get("ids")));

        Run fromStdin = run("Hello world\n\nsecond line\n", "tokenize", "-m", VOCAB, "-i", "-");
        assertEquals(0, fromStdin.exit(), fromStdin.err());
        assertEquals(fromFile.out(), fromStdin.out());
    }

    @Test
    void errorsAreReportedWithoutStackTraces(@TempDir Path dir) throws IOException {
        Run noInput = run("", "tokenize", "-m", VOCAB);
        assertEquals(2, noInput.exit());
        assertTrue(noInput.err().contains("give TEXT arguments or -i"), noInput.err());

        Run noModel = run("", "tokenize", "-m", dir.resolve("missing.gguf").toString(), "x");
        assertEquals(1, noModel.exit());
        assertTrue(noModel.err().contains("missing.gguf"), noModel.err());

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"txt\": 1}\n");
        Run badLine = run("", "tokenize", "-m", VOCAB, "-i", bad.toString(), "--input-format", "jsonl");
        assertNotEquals(0, badLine.exit());
        assertTrue(badLine.err().contains(bad + ":2: "), badLine.err());
        assertEquals(1, badLine.lines().size(), "the good line before the bad one is still printed");

        Run notJson = run("{oops\n", "tokenize", "-m", VOCAB, "-i", "-", "--input-format", "jsonl");
        assertEquals(1, notJson.exit());
        assertTrue(notJson.err().contains("stdin:1: not JSON"), notJson.err());
    }
}
