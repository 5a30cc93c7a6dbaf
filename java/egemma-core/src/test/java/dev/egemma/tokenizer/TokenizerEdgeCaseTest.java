// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Documented input edge cases, with the real Gemma 3 vocabulary. */
class TokenizerEdgeCaseTest {
    private final Tokenizer tok = GemmaVocab.tokenizer();

    @Test
    void readsTheSpecialSettingsFromTheGguf() throws IOException {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            assertEquals(f.getStringArray("tokenizer.ggml.tokens").length, tok.vocabSize());
            assertEquals(f.getInt("tokenizer.ggml.bos_token_id"), tok.bosId());
            assertEquals(f.getInt("tokenizer.ggml.eos_token_id"), tok.eosId());
            assertEquals(f.getBoolean("tokenizer.ggml.add_space_prefix"), tok.addSpacePrefix());
            assertEquals("<bos>", tok.piece(tok.bosId()));
            assertEquals(TokenType.CONTROL, tok.tokenType(tok.eosId()));
        }
    }

    @Test
    void emptyText() {
        assertArrayEquals(new int[] {tok.bosId(), tok.eosId()}, tok.encode(""));
        assertArrayEquals(new int[0], tok.encode("", false, true));
        assertEquals("", tok.decode(new int[0]));
    }

    @Test
    void loneSurrogatesAreTokenizedAsU_FFFD() {
        for (String s : new String[] {"a\uD800b", "x\uDC00", "\uD83D", "\uDE00\uD83D", "ab\uD800 cd"}) {
            String replaced = s.replaceAll("[\\uD800-\\uDFFF]", "\uFFFD");
            assertArrayEquals(tok.encode(replaced), tok.encode(s), s);
            assertEquals(replaced, tok.decode(tok.encode(s)));
        }
        // a valid pair stays one code point
        assertEquals("\uD83D\uDE00", tok.decode(tok.encode("\uD83D\uDE00")));
    }

    @Test
    void nulAndControlCharactersFallBackToBytesWhenNotInTheVocabulary() {
        for (char c = 0; c < 0x20; c++) {
            String s = String.valueOf(c);
            int[] ids = tok.encode(s, false, false);
            int direct = tok.tokenId(s);
            if (direct >= 0) assertArrayEquals(new int[] {direct}, ids, "U+" + (int) c);
            else assertArrayEquals(new int[] {tok.tokenId(String.format("<0x%02X>", (int) c))}, ids, "U+" + (int) c);
            assertEquals(s, tok.decode(ids));
        }
        String mixed = "a\0b\u0001\u007f\r\n";
        assertEquals(mixed, tok.decode(tok.encode(mixed)));
    }

    @Test
    void whitespaceOnlyTextRoundTrips() {
        for (String s : new String[] {" ", "  ", " ".repeat(32), " ".repeat(33), "\t\t", "\n".repeat(70), " \n \t ", "\r\n\r\n", "\u3000\u00a0 "}) {
            int[] ids = tok.encode(s);
            assertEquals(tok.bosId(), ids[0]);
            assertEquals(tok.eosId(), ids[ids.length - 1]);
            assertEquals(s, tok.decode(ids), Arrays.toString(ids));
        }
    }

    @Test
    void oneMegabyteInputsDoNotBlowUp() throws IOException {
        String corpus = Files.readString(TestData.file("corpus/corpus-1000.txt"));
        String[] inputs = {
                corpus.repeat(1 + (1 << 20) / corpus.length()), // prose with newlines
                corpus.replace('\n', ' ').repeat(1 + (1 << 20) / corpus.length()), // one huge raw fragment
                "a".repeat(1 << 20), // one merge chain
                " ".repeat(1 << 20),
                "\n".repeat(1 << 20),
                "<".repeat(1 << 20), // every position starts a special-token candidate
                "<start_of_turn".repeat(1 << 16),
                IntStream.range(0, 1 << 18).map(i -> 0x4E00 + i % 20000).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString(),
        };
        // A guard against quadratic behaviour (which would take hours), not a speed measurement: see TokenizerBenchmark.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (String s : inputs) {
                int[] ids = tok.encode(s);
                assertTrue(ids.length > 2);
                assertEquals(s, tok.decode(ids));
            }
        });
    }

    @Test
    void oneInstanceIsSafeToShareBetweenThreads() throws IOException {
        List<String> lines = Files.readAllLines(TestData.file("corpus/corpus-1000.txt"));
        List<int[]> sequential = lines.stream().map(tok::encode).toList();
        List<int[]> parallel = lines.parallelStream().map(tok::encode).toList();
        for (int i = 0; i < lines.size(); i++) assertArrayEquals(sequential.get(i), parallel.get(i), lines.get(i));
    }

    @Test
    void truncationKeepsBosAndEos() {
        String text = "word ".repeat(3000);
        int[] full = tok.encode(text);
        assertTrue(full.length > 2048);
        Encoding e = tok.encode(text, 2048, Truncation.TRUNCATE);
        assertTrue(e.truncated());
        assertEquals(full.length, e.fullLength());
        assertEquals(2048, e.ids().length);
        assertEquals(tok.bosId(), e.ids()[0]);
        assertEquals(tok.eosId(), e.ids()[2047]);
        assertArrayEquals(Arrays.copyOf(full, 2047), Arrays.copyOf(e.ids(), 2047));

        TooManyTokensException x = assertThrows(TooManyTokensException.class, () -> tok.encode(text, 2048, Truncation.ERROR));
        assertEquals(full.length, x.tokenCount());
        assertTrue(x.getMessage().contains(full.length + " tokens") && x.getMessage().contains("2048"), x.getMessage());

        Encoding shortOne = tok.encode("Hello world", 2048, Truncation.ERROR);
        assertFalse(shortOne.truncated());
        assertArrayEquals(tok.encode("Hello world"), shortOne.ids());

        Encoding noSpecial = tok.encode(text, false, true, 10, Truncation.TRUNCATE);
        assertArrayEquals(Arrays.copyOf(tok.encode(text, false, true), 10), noSpecial.ids());
        assertThrows(IllegalArgumentException.class, () -> tok.encode(text, 1, Truncation.TRUNCATE));
    }

    @Test
    void addSpacePrefixPrefixesEachRawFragmentThatStartsTheTextOrFollowsAToken() throws IOException {
        Tokenizer prefixed = GemmaVocab.withSpacePrefix();
        int sot = tok.tokenId("<start_of_turn>"), nl = tok.tokenId("\n");
        assertTrue(sot >= 0 && nl >= 0);
        int[] expected = concat(new int[] {tok.bosId()}, tok.encode(" Hello world", false, true), new int[] {sot},
                tok.encode(" user", false, true), new int[] {nl}, tok.encode(" again", false, true), new int[] {tok.eosId()});
        assertArrayEquals(expected, prefixed.encode("Hello world<start_of_turn>user\nagain"));
        assertArrayEquals(tok.encode(" Hello", false, true), prefixed.encode("Hello", false, true));
        assertEquals("Hello world", prefixed.decode(prefixed.encode("Hello world", false, true)));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
