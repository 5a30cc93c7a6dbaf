// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three EMB8 layouts: version 1 as the original prep tool writes it (built here byte by byte from its
 * definition, not by egemma's writer), version 2, and the legacy files of earlier egemma builds (version 2's layout
 * under number 1). The same table gives the same vectors in all three.
 */
class Emb8VersionsTest {
    static final Path MODEL = TestData.file("golden/small-f32.gguf");
    static final int DIM = 16;

    @TempDir
    static Path dir;
    static Distilled distilled;
    static Path v2;
    static byte[] v2Bytes, v1Bytes;
    static Tokenizer tokenizer;
    static List<String> corpus;

    @BeforeAll
    static void setUp() throws Exception {
        distilled = Distiller.distill(MODEL, null, Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(DIM));
        v2 = dir.resolve("v2.emb8");
        try (GgufFile f = GgufFile.open(MODEL)) {
            Emb8Writer.write(v2, distilled, Distiller.tokenizerKeys(f));
        }
        v2Bytes = Files.readAllBytes(v2);
        v1Bytes = originalLayout(v2Bytes);
        tokenizer = TokenizerFiles.open(MODEL);
        corpus = Files.readAllLines(TestData.file("corpus/corpus-1000.txt"), StandardCharsets.UTF_8);
    }

    /**
     * The original prep tool's version 1 file of the table in a version 2 file, from the definition: the 32-byte
     * header with version 1; the mean (D f32); the scales (V f32); the int8 rows (V x k); nothing else.
     */
    static byte[] originalLayout(byte[] version2) {
        ByteBuffer in = ByteBuffer.wrap(version2).order(ByteOrder.LITTLE_ENDIAN);
        int v = in.getInt(8), k = in.getInt(12), d = in.getInt(16);
        int mean = 32, scales = mean + 4 * d + 4 * k * d, rows = scales + 4 * v;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        header.put("EMB8".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(v).putInt(k).putInt(d);
        out.writeBytes(header.array());
        out.write(version2, mean, 4 * d);
        out.write(version2, scales, 4 * v);
        out.write(version2, rows, v * k);
        return out.toByteArray();
    }

    private static String reject(byte[] b, Tokenizer t) {
        Emb8FormatException e = assertThrows(Emb8FormatException.class, () -> Emb8File.parse("x.emb8", MemorySegment.ofArray(b), t));
        assertTrue(e.getMessage().startsWith("x.emb8: at byte "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void originalLayoutWrittenByTheTestEmbedsAsVersion2() throws Exception {
        Path v1 = dir.resolve("original.emb8");
        Files.write(v1, v1Bytes);
        try (StaticEmbedder a = StaticEmbedder.open(v2); StaticEmbedder b = StaticEmbedder.open(v1, tokenizer)) {
            assertEquals(Emb8Format.V2, a.file().format());
            assertEquals(Emb8Format.V1_ORIGINAL, b.file().format());
            assertEquals(Emb8Format.V1_ORIGINAL, Emb8File.format(v1));
            assertFalse(b.file().hasComponents());
            assertThrows(UnsupportedOperationException.class, () -> b.file().components());
            assertArrayEquals(a.file().mean(), b.file().mean());
            for (int i = 0; i < corpus.size(); i += 7) {
                String text = corpus.get(i);
                assertArrayEquals(a.embed(text), b.embed(text), "line " + i);
                assertArrayEquals(a.embed(text, false), b.embed(text, false), "line " + i);
            }
            assertArrayEquals(a.embed(""), b.embed(""));
        }
    }

    @Test
    void writeV1GivesTheOriginalLayoutsBytes() throws Exception {
        Path out = dir.resolve("written-v1.emb8");
        Emb8Writer.writeV1(out, distilled);
        assertArrayEquals(v1Bytes, Files.readAllBytes(out));
    }

    @Test
    void legacyFilesAreDetectedAndUpgraded() throws Exception {
        byte[] legacy = v2Bytes.clone();
        ByteBuffer.wrap(legacy).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        Path old = dir.resolve("legacy.emb8");
        Files.write(old, legacy);
        try (StaticEmbedder a = StaticEmbedder.open(v2); StaticEmbedder b = StaticEmbedder.open(old)) {
            assertEquals(Emb8Format.V1_EGEMMA_LEGACY, b.file().format());
            assertArrayEquals(a.file().components(), b.file().components());
            for (int i = 0; i < corpus.size(); i += 50) assertArrayEquals(a.embed(corpus.get(i)), b.embed(corpus.get(i)));
        }
        Path upgraded = dir.resolve("upgraded.emb8");
        Emb8Writer.upgradeLegacy(old, upgraded);
        assertArrayEquals(v2Bytes, Files.readAllBytes(upgraded));
        Emb8Writer.upgradeLegacy(old, old); // in place
        assertArrayEquals(v2Bytes, Files.readAllBytes(old));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Emb8Writer.upgradeLegacy(v2, dir.resolve("x")));
        assertTrue(e.getMessage().contains("already version 2"), e.getMessage());
        Path v1 = dir.resolve("v1-for-upgrade.emb8");
        Files.write(v1, v1Bytes);
        e = assertThrows(IllegalArgumentException.class, () -> Emb8Writer.upgradeLegacy(v1, dir.resolve("x")));
        assertTrue(e.getMessage().contains("the original prep tool's version 1 layout"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void versionOneSizesAreExact() throws Exception {
        int n = v1Bytes.length;
        String sizes = "vocab_size 16384, embed_dim 16 and original_dim 64";
        String m = reject(Arrays.copyOf(v1Bytes, n - 1), tokenizer);
        assertTrue(m.contains("at byte " + (n - 1) + ", tables: truncated: version 1 (the original layout) with " + sizes + " is " + n + " bytes, the file has " + (n - 1)), m);
        m = reject(Arrays.copyOf(v1Bytes, n + 1), tokenizer);
        long legacyTokenizer = n + 4L * DIM * 64;
        assertTrue(m.contains("at byte " + n + ", end of file: version 1 (the original layout) with " + sizes + " is " + n
                + " bytes, the file has 1 more; nor is it an earlier egemma build's file (no GGUF tokenizer at byte " + legacyTokenizer + ")"), m);
        m = reject(v1Bytes, null);
        assertTrue(m.contains("at byte " + n + ", tokenizer: none: a version 1 file (the original prep tool's layout) holds no tokenizer"), m);
        m = reject(v1Bytes, TinyEmb8.tokenizer());
        assertTrue(m.contains("at byte 8, vocab_size: the given tokenizer has 7 tokens but vocab_size is 16384"), m);
        byte[] bad = v1Bytes.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putFloat(32 + 4 * 64 + 4 * 5, Float.NaN);
        m = reject(bad, tokenizer);
        assertTrue(m.contains("at byte " + (32 + 4 * 64 + 20) + ", scales[5]: must be in 0..1.8446744E19, found NaN"), m);
    }

    @Test
    void legacyFilesAreCheckedLikeVersion2() throws Exception {
        byte[] legacy = v2Bytes.clone();
        ByteBuffer.wrap(legacy).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        int tables = v1Bytes.length + 4 * DIM * 64;
        // the GGUF magic is there, the rest of the tokenizer is not
        String m = reject(Arrays.copyOf(legacy, tables + 10), null);
        assertTrue(m.contains("at byte " + tables + ", tokenizer: not a valid GGUF image"), m);
        // cut before the magic: neither layout
        m = reject(Arrays.copyOf(legacy, tables), null);
        assertTrue(m.contains("end of file: version 1 (the original layout)") && m.contains("no GGUF tokenizer at byte " + tables), m);
        byte[] flipped = legacy.clone();
        flipped[tables] ^= 1; // the magic itself damaged: nothing says the file is egemma's
        m = reject(flipped, null);
        assertTrue(m.contains("nor is it an earlier egemma build's file"), m);
    }

    @Test
    void aGivenTokenizerReplacesTheFilesOwn() throws Exception {
        try (Emb8File f = Emb8File.open(v2, tokenizer)) {
            assertSame(tokenizer, f.tokenizer());
        }
        String m = reject(v2Bytes, TinyEmb8.tokenizer());
        assertTrue(m.contains("vocab_size: the given tokenizer has 7 tokens but vocab_size is 16384"), m);
    }
}
