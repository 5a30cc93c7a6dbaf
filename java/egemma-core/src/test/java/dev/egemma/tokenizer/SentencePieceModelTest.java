// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.SentencePieceModelWriter;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SentencePiece's tokenizer.model against the GGUF vocabulary llama.cpp's converter made of it: the same vocabulary,
 * the same ids on every tokenizer case in all three modes; malformed files refused with the byte and the field.
 */
class SentencePieceModelTest {
    private static GgufFile vocabFile;
    private static Tokenizer gguf;
    private static byte[] model;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        vocabFile = GgufFile.open(TestData.file("embeddinggemma-vocab.gguf"));
        gguf = Tokenizer.fromGguf(vocabFile);
        model = SentencePieceModelWriter.fromGemmaGguf(vocabFile);
    }

    @AfterAll
    static void close() {
        vocabFile.close();
    }

    @Test
    void sameVocabularyAsTheGguf() throws IOException {
        Tokenizer sp = SentencePieceModel.parse("tokenizer.model", model).tokenizer();
        assertEquals(gguf.vocabSize(), sp.vocabSize());
        for (int id = 0; id < gguf.vocabSize(); id++) {
            assertEquals(gguf.piece(id), sp.piece(id), "text of " + id);
            assertEquals(gguf.tokenType(id), sp.tokenType(id), "type of " + id + " " + gguf.piece(id));
            if (gguf.tokenType(id) == TokenType.NORMAL || gguf.tokenType(id) == TokenType.USER_DEFINED)
                assertEquals(gguf.score(id), sp.score(id), "score of " + id);
        }
        assertEquals(gguf.bosId(), sp.bosId());
        assertEquals(gguf.eosId(), sp.eosId());
        assertEquals(gguf.unknownId(), sp.unknownId());
        assertEquals(gguf.paddingId(), sp.paddingId());
        assertEquals(gguf.addBos(), sp.addBos());
        assertEquals(gguf.addEos(), sp.addEos());
        assertEquals(gguf.addSpacePrefix(), sp.addSpacePrefix());
    }

    @Test
    void sameIdsOnTheTokenizerCasesInAllThreeModes() throws IOException {
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, model);
        Tokenizer sp = TokenizerFiles.open(file);
        List<String> failures = new ArrayList<>();
        for (TokenizerParityTest.Case c : TokenizerParityTest.publicCases()) {
            String text = c.text();
            check(failures, c.line(), text, c.ids(), gguf.encode(text, true, true), sp.encode(text, true, true));
            check(failures, c.line(), text, c.idsNoSpecial(), gguf.encode(text, false, true), sp.encode(text, false, true));
            check(failures, c.line(), text, c.idsNoParseSpecial(), gguf.encode(text, true, false), sp.encode(text, true, false));
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches; first: " + failures.subList(0, Math.min(5, failures.size())));
    }

    private static void check(List<String> failures, int line, String text, int[] recorded, int[] fromGguf, int[] fromModel) {
        if (!Arrays.equals(recorded, fromModel) || !Arrays.equals(fromGguf, fromModel))
            failures.add("line " + line + " " + TokenizerParityTest.quote(text) + ": recorded " + Arrays.toString(recorded)
                    + ", gguf " + Arrays.toString(fromGguf) + ", tokenizer.model " + Arrays.toString(fromModel));
    }

    @Test
    void aGgufGivenAsTokenizerFileIsReadAsGguf() throws IOException {
        Tokenizer t = TokenizerFiles.open(TestData.file("embeddinggemma-vocab.gguf"));
        assertArrayEquals(gguf.encode("Hello world"), t.encode("Hello world"));
        assertThrows(java.nio.file.FileSystemException.class, () -> TokenizerFiles.open(dir));
    }

    /** A small model: the first 600 Gemma pieces (controls, added tokens, the 256 bytes, the first normal pieces). */
    private static byte[] small(int modelType, String normalizer, int unk) {
        SentencePieceModelWriter w = new SentencePieceModelWriter();
        for (int i = 0; i < 600; i++) w.piece(gguf.piece(i).replace(' ', '\u2581'), gguf.score(i), gguf.tokenType(i).ordinal());
        return w.trainer(modelType, true, unk, 2, 1, 0).normalizer(normalizer, false).bytes();
    }

    private static String reject(byte[] b) {
        SentencePieceFormatException e = assertThrows(SentencePieceFormatException.class, () -> SentencePieceModel.parse("t.model", b));
        assertTrue(e.getMessage().startsWith("t.model: at byte "), e.getMessage());
        return e.getMessage();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void assertRejects(byte[] b, String part) {
        String m = reject(b);
        assertTrue(m.contains(part), m);
    }

    @Test
    void malformedModelsAreRefusedWithTheByteAndTheField() throws IOException {
        byte[] ok = small(2, "identity", 3);
        assertEquals(600, SentencePieceModel.parse("t.model", ok).size());
        assertRejects(new byte[0], "pieces: none");
        // the first piece's length runs past the end of the file
        String m = reject(Arrays.copyOf(ok, 5));
        assertTrue(m.contains("at byte 1, pieces[0]: length"), m);
        assertRejects(new byte[] {(byte) 0x80, (byte) 0x80}, "at byte 0, tag: truncated varint");
        byte[] tenBytes = new byte[11];
        Arrays.fill(tenBytes, (byte) 0xff);
        assertRejects(tenBytes, "varint longer than 10 bytes");
        assertRejects(new byte[] {0x0b}, "wire type 3 is not one of 0, 1, 2, 5");
        assertRejects(new byte[] {0x00}, "field number 0");
        assertRejects(new byte[] {0x08, 0x01}, "pieces[0]: wire type 0, expected 2");
        assertRejects(new SentencePieceModelWriter().piece("a", 0, 9).bytes(), "pieces[0].type: type 9 is not one of 1..6");
        assertRejects(new SentencePieceModelWriter().piece("a", Float.NaN, 1).bytes(), "score NaN is not finite");
        assertRejects(new byte[] {0x0a, 0x02, 0x0a, 0x05}, "pieces[0].piece: length 5 runs past the end of its message");
        assertRejects(new byte[] {0x0a, 0x03, 0x0a, 0x01, (byte) 0xff}, "pieces[0].piece: not valid UTF-8");
        assertRejects(new byte[] {0x0a, 0x00}, "pieces[0]: no piece text");
        assertRejects(small(1, "identity", 3), "trainer_spec.model_type: 1 (UNIGRAM)");
        assertRejects(small(2, "identity", 600), "trainer_spec.unk_id: 600 is not a piece id (the model has 600 pieces)");
        byte[] noBytes = new SentencePieceModelWriter().piece("<unk>", 0, 2).trainer(2, true, 0, -1, -1, -1).bytes();
        assertRejects(noBytes, "byte_fallback is set but there are 0 BYTE pieces");
        // an NFKC normalizer has a character map egemma would have to apply
        byte[] base = new SentencePieceModelWriter().piece("<unk>", 0, 2).trainer(2, false, 0, -1, -1, -1).bytes();
        byte[] emptyMap = concat(base, new byte[] {0x1a, 0x05, 0x0a, 0x01, 'n', 0x12, 0x00}); // name "n", charsmap of 0 bytes
        assertFalse(SentencePieceModel.parse("t.model", emptyMap).tokenizer().addBos(), "an empty character map is no normalization");
        assertRejects(concat(base, new byte[] {0x1a, 0x06, 0x0a, 0x01, 'n', 0x12, 0x01, 0x00}), "normalizer_spec: \"n\" normalizes text with a character map");
        Path big = dir.resolve("big.model");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SPARSE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), SentencePieceModel.MAX_BYTES);
        }
        SentencePieceFormatException e = assertThrows(SentencePieceFormatException.class, () -> SentencePieceModel.read(big));
        assertTrue(e.getMessage().contains("file: is " + (SentencePieceModel.MAX_BYTES + 1) + " bytes"), e.getMessage());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fuzzedModelsOnlyThrowFormatExceptions() {
        byte[] seed = small(2, "identity", 3);
        SplittableRandom rnd = new SplittableRandom(29);
        int parsed = 0, rejected = 0;
        for (int v = 0; v < 20_000; v++) {
            byte[] b = seed.clone();
            if (rnd.nextInt(5) == 0) {
                b = Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
                    int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(64, b.length)) : rnd.nextInt(b.length);
                    b[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (b[at] ^ 1 << rnd.nextInt(8));
                }
            }
            try {
                Tokenizer t = SentencePieceModel.parse("v" + v, b).tokenizer();
                assertNotNull(t.encode("Hello world <start_of_turn>\n\n  x\u00e9"));
                parsed++;
            } catch (SentencePieceFormatException e) {
                assertTrue(e.getMessage().startsWith("v" + v + ": at byte "), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("variant " + v + " threw " + t, t);
            }
        }
        assertTrue(parsed > 100 && rejected > 1000, "parsed " + parsed + ", rejected " + rejected);
    }
}
