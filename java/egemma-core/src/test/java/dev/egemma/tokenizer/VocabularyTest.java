// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufStringArray;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Vocabulary#fromUtf8} decodes the GGUF's bytes itself, straight into its pool: every text must be what
 * {@code new String(bytes, UTF_8)} gives (the vocabulary used to hold those Strings), and the index must answer
 * as one built from the Strings.
 */
class VocabularyTest {

    @Test
    void gemmaTokensDecodeAsStringsDo() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"))) {
            GgufStringArray a = f.stringArray("tokenizer.ggml.tokens");
            Vocabulary v = Vocabulary.fromUtf8(a);
            String[] texts = a.toArray();
            assertSameAs(texts, v);
            Vocabulary fromStrings = new Vocabulary(texts);
            assertEquals(fromStrings.maxLength(), v.maxLength());
            assertEquals(fromStrings.splitsAtWordStarts(), v.splitsAtWordStarts());
        }
    }

    /** Random bytes (mostly malformed), random code points of every UTF-8 length, and the classic edge cases. */
    @Test
    void malformedAndEdgeCaseUtf8DecodesAsStringsDo() {
        List<byte[]> entries = new ArrayList<>();
        int[][] edges = {
                {}, {0}, {0x7F}, {0xC2, 0x80}, {0xDF, 0xBF}, {0xE0, 0xA0, 0x80}, {0xEF, 0xBF, 0xBF}, {0xF0, 0x90, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF},
                {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, // overlong, surrogates
                {0xF0, 0x80, 0x80, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xF8, 0x88, 0x80, 0x80, 0x80}, // overlong, > U+10FFFF
                {0x80}, {0xBF, 0x41}, {0xE2, 0x96}, {0xE2, 0x96, 0x41}, {0x41, 0xE2}, {0xF0, 0x9F, 0x98}, {0xFE}, {0xFF, 0xFE}, // truncated, stray
                {0xE2, 0x96, 0x81}, {0x41, 0xE2, 0x96, 0x81, 0x42}, {0xE2, 0x96, 0x81, 0xE2, 0x96, 0x81}, {0xC3, 0xA9, 0xE2, 0x96, 0x81, 0xC0}, // U+2581
        };
        for (int[] e : edges) {
            byte[] b = new byte[e.length];
            for (int i = 0; i < b.length; i++) b[i] = (byte) e[i];
            entries.add(b);
        }
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            if (i % 2 == 0) {
                byte[] b = new byte[r.nextInt(9)];
                r.nextBytes(b);
                if (i % 4 == 0) for (int k = 0; k < b.length; k++) b[k] = (byte) (0x80 | b[k]); // mostly lead/continuation bytes
                entries.add(b);
            } else {
                StringBuilder sb = new StringBuilder();
                for (int k = r.nextInt(5); k-- > 0; ) {
                    int cp = switch (r.nextInt(5)) {
                        case 0 -> r.nextInt(0x80);
                        case 1 -> 0x80 + r.nextInt(0x800 - 0x80);
                        case 2 -> 0x800 + r.nextInt(0xD800 - 0x800);
                        case 3 -> 0xE000 + r.nextInt(0x10000 - 0xE000);
                        default -> 0x10000 + r.nextInt(0x110000 - 0x10000);
                    };
                    sb.appendCodePoint(r.nextInt(8) == 0 ? 0x2581 : cp);
                }
                entries.add(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        GgufStringArray a = stringArray(entries);
        String[] texts = new String[entries.size()];
        for (int i = 0; i < texts.length; i++) texts[i] = new String(entries.get(i), StandardCharsets.UTF_8);
        assertSameAs(texts, Vocabulary.fromUtf8(a));
    }

    /** Texts given as Strings keep every char, lone surrogates included (the pool is WTF-8, not UTF-8). */
    @Test
    void stringTextsRoundTripWholeIncludingLoneSurrogates() {
        String[] texts = {"a\uD800", "\uDC00b", "\uD83D\uDE00", "\uDE00\uD83D", "\u2581x\u2581", "", "\u0000", "\u07FF\u0800\uFFFF", "a\uD800"};
        assertSameAs(texts, new Vocabulary(texts));
    }

    /** Every text decodes as the String, and {@code find} gives the highest id with that text (llama.cpp's map). */
    private static void assertSameAs(String[] texts, Vocabulary v) {
        assertEquals(texts.length, v.size());
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < texts.length; i++) {
            assertEquals(texts[i], v.text(i), "text of " + i);
            assertArrayEquals(texts[i].toCharArray(), v.chars(i), "chars of " + i);
            last.put(texts[i], i);
        }
        for (int i = 0; i < texts.length; i++) assertEquals(last.get(texts[i]), v.find(texts[i]), "id of " + texts[i]);
        assertEquals(-1, v.find("no such token \u0000\uFFFF"));
    }

    /** A GGUF image holding {@code entries} as the string array "t", raw bytes as given. */
    private static GgufStringArray stringArray(List<byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u32(out, GgufFile.MAGIC);
        u32(out, 3);
        u64(out, 0);
        u64(out, 1);
        u64(out, 1);
        out.write('t');
        u32(out, 9); // ARRAY
        u32(out, 8); // of STRING
        u64(out, entries.size());
        for (byte[] e : entries) {
            u64(out, e.length);
            out.writeBytes(e);
        }
        try {
            return GgufFile.parse("utf8.gguf", MemorySegment.ofArray(out.toByteArray())).stringArray("t");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
    }
}
