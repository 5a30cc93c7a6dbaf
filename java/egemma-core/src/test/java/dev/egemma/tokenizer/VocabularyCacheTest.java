// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufStringArray;
import dev.egemma.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 27: the tokenizer's vocabulary index kept on disk. The first open builds and writes it, the next reads it back
 * and tokenizes exactly as llama.cpp does; a modified model, token texts rewritten in place, a corrupt, truncated or
 * foreign file are never trusted (built again, rewritten); concurrent first opens leave one whole file.
 */
class VocabularyCacheTest {
    @TempDir
    Path tmp;
    Path dir, model;
    String saved;

    @BeforeEach
    void setUp() throws IOException {
        dir = tmp.resolve("vocab");
        saved = System.getProperty(VocabularyCache.PROP);
        System.setProperty(VocabularyCache.PROP, dir.toString());
        model = tmp.resolve("vocab.gguf");
        Files.copy(TestData.file("embeddinggemma-vocab.gguf"), model);
    }

    @AfterEach
    void restore() {
        if (saved == null) System.clearProperty(VocabularyCache.PROP);
        else System.setProperty(VocabularyCache.PROP, saved);
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** What the cache file of {@link #model} holds for its current tokens: null when it is absent or fails a check. */
    private Vocabulary stored() throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            GgufStringArray tokens = f.stringArray("tokenizer.ggml.tokens");
            java.util.zip.CRC32C c = new java.util.zip.CRC32C();
            c.update(tokens.encoded().asByteBuffer());
            return VocabularyCache.of(model).read(tokens.size(), tokens.encoded().byteSize(), (int) c.getValue());
        }
    }

    private static Tokenizer open(Path model) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            return Tokenizer.fromGguf(f);
        }
    }

    private static void assertSameParts(Vocabulary.Parts a, Vocabulary.Parts b) {
        assertEquals(a.size(), b.size());
        assertArrayEquals(Arrays.copyOf(a.pool(), a.used()), Arrays.copyOf(b.pool(), b.used()));
        assertArrayEquals(a.offsets(), b.offsets());
        assertArrayEquals(a.slots(), b.slots());
        assertEquals(a.maxLength(), b.maxLength());
        assertArrayEquals(a.bridgeIds(), b.bridgeIds());
    }

    @Test
    void theFirstOpenWritesTheIndexAndTheNextReadsItBackTokenizingAsLlamaCpp() throws Exception {
        assertNull(stored());
        open(model);
        List<Path> written = files();
        assertEquals(1, written.size(), written.toString());
        assertTrue(written.getFirst().getFileName().toString().endsWith(".vocab"));
        Vocabulary read = stored();
        assertNotNull(read, "the file just written is read back");
        try (GgufFile f = GgufFile.open(model)) {
            assertSameParts(Vocabulary.fromUtf8(f.stringArray("tokenizer.ggml.tokens")).parts(), read.parts());
        }
        Object inode = Files.readAttributes(written.getFirst(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        Tokenizer cached = open(model); // from the file
        assertEquals(written, files());
        assertEquals(inode, Files.readAttributes(written.getFirst(), java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "a valid file is read, not rewritten");
        for (TokenizerParityTest.Case c : TokenizerParityTest.publicCases()) {
            assertArrayEquals(c.ids(), cached.encode(c.text(), true, true), c.text());
            assertArrayEquals(c.idsNoParseSpecial(), cached.encode(c.text(), true, false), c.text());
        }
    }

    @Test
    void aModifiedModelGetsANewFileAndItsOldOneGoes() throws Exception {
        open(model);
        Path old = files().getFirst();
        Files.setLastModifiedTime(model, FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() + 5_000));
        assertNull(stored(), "a model with another mtime has another key");
        open(model);
        List<Path> now = files();
        assertEquals(1, now.size(), now.toString());
        assertNotEquals(old, now.getFirst());
        assertNotNull(stored());
    }

    @Test
    void tokenTextsRewrittenInPlaceUnderTheSameKeyAreNotTakenFromTheFile() throws Exception {
        Tokenizer before = open(model);
        int id = before.tokenId("▁world");
        assertTrue(id > 0);
        assertEquals(-1, before.tokenId("▁worle"), "the new text is no token yet");
        FileTime mtime = Files.getLastModifiedTime(model);
        byte[] image = Files.readAllBytes(model);
        byte[] text = "▁world".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = indexOf(image, text);
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("▁worle".getBytes(java.nio.charset.StandardCharsets.UTF_8)), at); // same length
        }
        Files.setLastModifiedTime(model, mtime); // what the key sees is unchanged: path, size, mtime, file key
        assertNull(stored(), "built from other token bytes");
        Tokenizer after = open(model);
        assertEquals(-1, after.tokenId("▁world"));
        assertEquals(id, after.tokenId("▁worle"));
        assertEquals(id, open(model).tokenId("▁worle"), "the rewritten file holds the new texts");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            // a whole entry: its u64 length just before it
            if (i >= 8 && ByteBuffer.wrap(hay, i - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() == needle.length) return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void aCorruptTruncatedForeignOrEmptyFileIsNeverTrusted() throws Exception {
        Tokenizer reference = open(model);
        Path file = files().getFirst();
        byte[] whole = Files.readAllBytes(file);
        ByteBuffer le = ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN);
        int keyLength = le.getInt(8), counts = 12 + keyLength + 12; // the u32 counts after source bytes and CRC
        List<byte[]> variants = new ArrayList<>();
        byte[] payload = whole.clone();
        payload[whole.length - 100] ^= 0x5a; // a slot: fails the payload's checksum
        variants.add(payload);
        variants.add(Arrays.copyOf(whole, whole.length / 2));
        variants.add(Arrays.copyOf(whole, 10));
        variants.add(new byte[0]);
        byte[] key = whole.clone();
        key[20] ^= 1; // a byte of the key: another model
        variants.add(key);
        for (int field = 0; field < 6; field++) { // token count, pool chars, slots, longest text, bridging count: absurd
            byte[] v = whole.clone();
            ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(counts + 4 * field, field % 2 == 0 ? Integer.MAX_VALUE : -7);
            variants.add(v);
        }
        for (byte[] v : variants) {
            Files.write(file, v);
            assertNull(stored(), "a damaged file of " + v.length + " bytes was used");
            Tokenizer t = open(model);
            assertArrayEquals(reference.encode("Hello world, the cache"), t.encode("Hello world, the cache"));
            assertNotNull(stored(), "rewritten whole after a file of " + v.length + " bytes");
            assertArrayEquals(whole, Files.readAllBytes(file));
        }
    }

    @Test
    void concurrentFirstOpensLeaveOneWholeFile() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> runs = new ArrayList<>();
            Callable<int[]> task = () -> open(model).encode("concurrent first opens of one model");
            for (int i = 0; i < 4; i++) runs.add(pool.submit(task));
            int[] ref = runs.getFirst().get();
            for (Future<int[]> f : runs) assertArrayEquals(ref, f.get());
        } finally {
            pool.shutdown();
        }
        List<Path> now = files();
        assertEquals(1, now.size(), "one file, no temporary ones: " + now);
        assertNotNull(stored(), "whole");
    }

    @Test
    void offWritesNothing() throws Exception {
        System.setProperty(VocabularyCache.PROP, "off");
        open(model);
        assertEquals(List.of(), files());
    }

    @Test
    void anImageInMemoryIsNotCached() throws Exception {
        byte[] image = Files.readAllBytes(model);
        try (GgufFile f = GgufFile.parse(model.toString(), java.lang.foreign.MemorySegment.ofArray(image))) {
            Tokenizer.fromGguf(f);
        }
        assertEquals(List.of(), files());
    }
}
