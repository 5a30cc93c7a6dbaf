// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.testing.MiniJson;
import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Token ids against llama.cpp's, recorded in testdata/: every line, every mode, no exceptions list. */
class TokenizerParityTest {
    private static GgufFile vocabFile;
    private static Tokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        vocabFile = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"));
        tok = Tokenizer.fromGguf(vocabFile);
    }

    @AfterAll
    static void close() {
        vocabFile.close();
    }

    /** One line of testdata/tokenizer/public.jsonl: the text and llama.cpp's ids in the three modes. */
    record Case(int line, String text, int[] ids, int[] idsNoSpecial, int[] idsNoParseSpecial) {}

    /** Every case of public.jsonl (line numbers 1-based), checked to be the full file. */
    static List<Case> publicCases() throws IOException {
        List<String> lines = Files.readAllLines(TestData.file("tokenizer/public.jsonl"), StandardCharsets.UTF_8);
        assertTrue(lines.size() >= 2000, "expected the full public.jsonl, found " + lines.size() + " lines");
        List<Case> cases = new ArrayList<>();
        for (int ln = 0; ln < lines.size(); ln++) {
            if (lines.get(ln).isBlank()) continue;
            Map<String, Object> row = MiniJson.object(lines.get(ln));
            cases.add(new Case(ln + 1, (String) row.get("text"), MiniJson.ints(row.get("ids")), MiniJson.ints(row.get("ids_no_special")),
                    MiniJson.ints(row.get("ids_no_parse_special"))));
        }
        return cases;
    }

    @Test
    void publicVectorsInAllThreeModes() throws IOException {
        List<String> failures = new ArrayList<>();
        List<Case> cases = publicCases();
        for (Case c : cases) {
            check(failures, c.line(), "ids", c.text(), c.ids(), tok.encode(c.text(), true, true));
            check(failures, c.line(), "ids_no_special", c.text(), c.idsNoSpecial(), tok.encode(c.text(), false, true));
            check(failures, c.line(), "ids_no_parse_special", c.text(), c.idsNoParseSpecial(), tok.encode(c.text(), true, false));
        }
        if (!failures.isEmpty())
            fail(failures.size() + " mismatches over " + cases.size() + " texts; first ones:\n" + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }

    private static void check(List<String> failures, int line, String mode, String text, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual))
            failures.add("line " + line + " " + mode + " " + quote(text) + "\n  expected " + Arrays.toString(expected) + "\n  actual   " + Arrays.toString(actual));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(120).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) b.append(String.format("\\x%02x", cp));
            else b.appendCodePoint(cp);
        });
        return b.append(s.length() > 120 ? "...\"" : "\"").toString();
    }

    /** The golden models keep the first 16,384 tokens of the vocabulary: byte fallback replaces the rest. */
    @ParameterizedTest
    @ValueSource(strings = {"small-f32", "small-dense-f32", "small-dense-q8_0"})
    void goldenTokensWithTruncatedVocabulary(String model) throws IOException {
        try (GgufFile f = GgufFile.open(TestData.file("golden/" + model + ".gguf"))) {
            Tokenizer small = Tokenizer.fromGguf(f);
            assertEquals(16384, small.vocabSize());
            Map<String, Object> golden = MiniJson.object(Files.readString(TestData.file("golden/" + model + ".golden.json")));
            List<?> items = (List<?>) golden.get("items");
            assertEquals(22, items.size());
            for (Object o : items) {
                @SuppressWarnings("unchecked") Map<String, Object> item = (Map<String, Object>) o;
                String text = (String) item.get("text");
                int[] expected = MiniJson.ints(item.get("tokens"));
                assertEquals(Arrays.toString(expected), Arrays.toString(small.encode(text)), () -> model + " " + quote(text));
                List<?> pieces = (List<?>) item.get("pieces");
                for (int k = 0; k < expected.length; k++) assertEquals(pieces.get(k), small.piece(expected[k]));
            }
        }
    }
}
