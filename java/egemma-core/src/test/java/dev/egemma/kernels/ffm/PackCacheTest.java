// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Backend;
import dev.egemma.Embedder;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 27: the packed weights kept on disk. The first open packs and writes them, the next maps them, with the same
 * bits; a modified model, a corrupt or truncated file, or a foreign one is never trusted (packed again, rewritten);
 * concurrent first opens leave one whole file.
 */
class PackCacheTest {
    static final List<String> TEXTS = List.of("Hello world", "a somewhat longer text about packed weights and caches", "x");

    @TempDir
    Path tmp;
    Path dir, model;
    String saved;

    @BeforeEach
    void setUp() {
        NativeTestSupport.requireNative();
        dir = tmp.resolve("packs");
        saved = System.getProperty(PackCache.PROP);
        System.setProperty(PackCache.PROP, dir.toString());
    }

    @AfterEach
    void restore() {
        if (saved == null) System.clearProperty(PackCache.PROP);
        else System.setProperty(PackCache.PROP, saved);
    }

    /** Embeddings of {@link #TEXTS} and where the model's packs came from. */
    record Run(float[][] vectors, NativeKernels.PackCounts counts, int products) {}

    static Run run(Path model) throws IOException {
        try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.NATIVE).withThreads(2))) {
            float[][] v = e.embed(TEXTS);
            NativeKernels k = (NativeKernels) kernelsOf(e);
            return new Run(v, k.packCounts(), k.packCounts().packed());
        }
    }

    static dev.egemma.kernels.Kernels kernelsOf(Embedder e) {
        try {
            var f = Embedder.class.getDeclaredField("model");
            f.setAccessible(true);
            return ((dev.egemma.model.EmbeddingGemma) f.get(e)).kernels();
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private Path copyOf(String name) throws IOException {
        Path m = tmp.resolve(name);
        Files.copy(TestData.file("golden-quant/" + name), m);
        return m;
    }

    private List<Path> packFiles() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"q256-q8_0.gguf", "q256-q4_1.gguf", "q256-q4_k_m.gguf", "q256-iq4_xs.gguf"})
    void theFirstOpenWritesThePacksAndTheNextMapsThemWithTheSameBits(String name) throws Exception {
        model = copyOf(name);
        Run first = run(model);
        assertEquals(0, first.counts().fromCache());
        List<Path> files = packFiles();
        assertEquals(1, files.size(), files.toString());
        assertTrue(files.getFirst().getFileName().toString().endsWith(".pack"), files.toString());
        Run second = run(model);
        assertEquals(second.products(), second.counts().fromCache(), "every pack from the file");
        assertTrue(second.products() > 0);
        for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(first.vectors()[i], second.vectors()[i], TEXTS.get(i));
    }

    @Test
    void theCachedPacksAreReadBeforeTheFirstForwardPassAsksForThem() throws Exception {
        model = copyOf("q256-q4_k_m.gguf");
        Run first = run(model); // writes the file
        try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.NATIVE).withThreads(2))) {
            NativeKernels k = (NativeKernels) kernelsOf(e);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (k.packCounts().fromCache() < first.products() && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(first.products(), k.packCounts().fromCache(), "every matrix read from the cache with no text embedded yet");
            assertEquals(first.products(), k.packCounts().packed());
            float[][] v = e.embed(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(first.vectors()[i], v[i], TEXTS.get(i));
            assertEquals(first.products(), k.packCounts().packed(), "nothing packed twice");
        }
    }

    @Test
    void closingRightAfterOpeningWaitsForTheCacheReader() throws Exception {
        model = copyOf("q256-q4_k_m.gguf");
        run(model); // writes the file
        for (int i = 0; i < 30; i++) {
            // the reader reads the model's mapping; closing the file under it would fail ("session acquired") or fault
            Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.NATIVE).withThreads(2));
            e.close();
        }
        assertEquals(first(run(model)), first(run(model)));
    }

    private static float first(Run r) {
        return r.vectors()[0][0];
    }

    @Test
    void aModifiedModelGetsNewPacksAndItsOldFileGoes() throws Exception {
        model = copyOf("q256-q8_0.gguf");
        Run first = run(model);
        Path old = packFiles().getFirst();
        Files.setLastModifiedTime(model, FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() + 5_000));
        Run second = run(model);
        assertEquals(0, second.counts().fromCache(), "a model with another mtime is not the one packed");
        List<Path> files = packFiles();
        assertEquals(1, files.size(), files.toString());
        assertTrue(!files.getFirst().equals(old), "the stale file is replaced");
        assertArrayEquals(first.vectors()[1], second.vectors()[1]);
    }

    @Test
    void weightsRewrittenInPlaceWithTheSameSizeAndTimestampAreNotTakenFromTheCache() throws Exception {
        model = copyOf("q256-q8_0.gguf");
        run(model);
        FileTime mtime = Files.getLastModifiedTime(model);
        long at;
        try (dev.egemma.gguf.GgufFile f = dev.egemma.gguf.GgufFile.open(model)) {
            at = f.dataOffset() + f.tensor("blk.0.ffn_up.weight").offset() + 100; // a byte of the first block's quants
        }
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) + 1)).rewind();
            ch.write(b, at);
        }
        Files.setLastModifiedTime(model, mtime); // what the key sees is unchanged: path, size, mtime, file key
        Run r = run(model);
        assertEquals(r.products() - 1, r.counts().fromCache(), "the changed matrix is packed from the file, not the cache");
    }

    @Test
    void aCorruptEntryIsPackedAgainAndTheFileRewritten() throws Exception {
        model = copyOf("q256-q8_0.gguf");
        Run first = run(model);
        Path file = packFiles().getFirst();
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = size - 100; // inside the last blob
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, at);
        }
        Run second = run(model);
        assertEquals(second.products() - 1, second.counts().fromCache(), "only the damaged matrix is packed again");
        assertArrayEquals(first.vectors()[1], second.vectors()[1]);
        Run third = run(model);
        assertEquals(third.products(), third.counts().fromCache(), "the rewritten file is whole");
    }

    @Test
    void aTruncatedForeignOrEmptyFileIsNeverTrusted() throws Exception {
        model = copyOf("q256-q4_0.gguf");
        Run first = run(model);
        Path file = packFiles().getFirst();
        byte[] whole = Files.readAllBytes(file);
        List<byte[]> variants = new ArrayList<>();
        variants.add(java.util.Arrays.copyOf(whole, whole.length / 2)); // truncated: offsets past the end
        variants.add(new byte[0]);
        byte[] key = whole.clone();
        key[20] ^= 1; // a byte of the key: another model or library
        variants.add(key);
        byte[] count = whole.clone(); // an absurd entry count
        int keyLen = ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(12 + keyLen, Integer.MAX_VALUE);
        variants.add(count);
        for (byte[] v : variants) {
            Files.write(file, v);
            Run r = run(model);
            assertEquals(0, r.counts().fromCache(), "a damaged file of " + v.length + " bytes was used");
            assertArrayEquals(first.vectors()[0], r.vectors()[0]);
            assertEquals(r.products(), run(model).counts().fromCache(), "rewritten whole");
        }
    }

    @Test
    void concurrentFirstOpensLeaveOneWholeFile() throws Exception {
        model = copyOf("q256-q4_k_m.gguf");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Run>> runs = new ArrayList<>();
            Callable<Run> task = () -> run(model);
            for (int i = 0; i < 4; i++) runs.add(pool.submit(task));
            float[][] ref = runs.getFirst().get().vectors();
            for (Future<Run> f : runs) for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(ref[i], f.get().vectors()[i]);
        } finally {
            pool.shutdown();
        }
        List<Path> files = packFiles();
        assertEquals(1, files.size(), "one file, no temporary ones left: " + files);
        Run after = run(model);
        assertEquals(after.products(), after.counts().fromCache());
    }

    @Test
    void offMeansNoFile() throws Exception {
        System.setProperty(PackCache.PROP, "off");
        model = copyOf("q256-q8_0.gguf");
        assertEquals(0, run(model).counts().fromCache());
        assertEquals(List.of(), packFiles());
    }
}
