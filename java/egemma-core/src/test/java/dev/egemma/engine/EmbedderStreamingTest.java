// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Embedder;
import dev.egemma.gguf.GgmlType;
import dev.egemma.synth.SynthSpec;
import dev.egemma.synth.SyntheticModel;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.TooManyTokensException;
import dev.egemma.tokenizer.Truncation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine behind {@link Embedder}: async and streaming entry points, and a clean close. */
class EmbedderStreamingTest {
    static final Path GOLDEN = TestData.file("golden/small-f32.gguf");

    @TempDir
    Path tmp;

    /**
     * Runs the texts a few times first: the Vector API kernels round differently (up to ~1e-5 here) before and
     * after C2 compiles them, and these tests compare results computed at different times.
     */
    static void warmUp(Embedder e, List<String> texts) {
        for (int i = 0; i < 30; i++) e.embed(texts);
    }

    @Test
    void sixteenConcurrentEmbedAsyncCallersMatchSingleCalls() throws Exception {
        List<String> texts = EmbeddingEngineTest.mixedTexts(16).subList(0, 16);
        Embedder.Options o = Embedder.Options.defaults().withThreads(2);
        try (Embedder e = Embedder.open(GOLDEN, o)) {
            warmUp(e, texts);
            List<float[]> single = new ArrayList<>();
            for (String t : texts) single.add(e.embed(t));
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CompletableFuture<float[]>>> calls = new ArrayList<>();
            for (String t : texts) calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
                return e.embedAsync(t);
            }, r -> Thread.ofPlatform().start(r)));
            go.countDown();
            for (int i = 0; i < texts.size(); i++)
                EmbeddingEngineTest.assertClose(single.get(i), calls.get(i).get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS), "caller " + i);
        }
    }

    @Test
    void streamEqualsListReadsAheadAtMostAWindowAndIsolatesFailures() throws Exception {
        List<String> texts = new ArrayList<>(EmbeddingEngineTest.mixedTexts(150));
        texts.set(77, "word ".repeat(3000)); // too long with Truncation.ERROR
        Embedder.Options o = Embedder.Options.defaults().withThreads(2).withTruncation(Truncation.ERROR);
        int window = 16;
        try (Embedder e = Embedder.open(GOLDEN, o, EngineOptions.of(256).withStreamWindow(window))) {
            warmUp(e, texts.subList(0, 20));
            int[] read = {0};
            Iterator<String> counting = new Iterator<>() {
                @Override public boolean hasNext() { return read[0] < texts.size(); }
                @Override public String next() { return texts.get(read[0]++); }
            };
            Iterator<float[]> it = e.embedStream(counting);
            for (int i = 0; i < texts.size(); i++) {
                assertTrue(it.hasNext());
                if (i == 77) {
                    assertThrows(TooManyTokensException.class, it::next);
                    continue;
                }
                float[] v = it.next();
                assertTrue(read[0] - (i + 1) <= window, "read " + read[0] + " texts with " + (i + 1) + " consumed");
                EmbeddingEngineTest.assertClose(e.embed(texts.get(i)), v, "text " + i);
            }
            assertFalse(it.hasNext());
            assertEquals(List.of(e.embed("a"), e.embed("b")).size(),
                    e.embedStream(java.util.stream.Stream.of("a", "b")).toList().size());
        }
    }

    @Test
    void closeLeavesNoEngineOrWorkerThreads() throws Exception {
        Embedder e = Embedder.open(GOLDEN, Embedder.Options.defaults().withThreads(2));
        e.embed(EmbeddingEngineTest.mixedTexts(20));
        CompletableFuture<float[]> pending = e.embedAsync("submitted just before close");
        e.close();
        assertEquals(e.dimension(), pending.get().length, "close() drains");
        assertFalse(EmbeddingEngineTest.engineThreadsAlive());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (workerThreadsAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertFalse(workerThreadsAlive(), "worker pool threads still alive 10 s after close()");
        assertInstanceOf(java.util.concurrent.RejectedExecutionException.class,
                assertThrows(java.util.concurrent.ExecutionException.class, () -> e.embedAsync("late").get()).getCause());
    }

    private static boolean workerThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("egemma-worker-") && t.isAlive());
    }

    /** 100,000 short texts through a tiny generated model in a JVM with -Xmx256m. */
    @Test
    void streamsAHundredThousandTextsInABoundedHeap() throws Exception {
        SynthSpec spec = SynthSpec.small();
        spec.preset = "tiny";
        spec.nEmbd = 32;
        spec.nLayer = 1;
        spec.nHead = 1;
        spec.headDim = 32;
        spec.nFf = 32;
        spec.vocabSize = 4096;
        spec.type = GgmlType.F32;
        Path model = tmp.resolve("tiny.gguf");
        SyntheticModel.write(spec, TestData.file("embeddinggemma-vocab.gguf"), model);

        int window = 512;
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Degemma.backend=java", "-Degemma.vocabCache=" + System.getProperty("egemma.vocabCache", "off"), "-cp", System.getProperty("java.class.path"),
                StreamProbe.class.getName(), model.toString(), "100000", Integer.toString(window));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM did not finish");
        String out = Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("consumed=(\\d+) maxAhead=(\\d+) maxHeapMiB=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(100_000, Long.parseLong(m.group(1)));
        assertTrue(Long.parseLong(m.group(2)) <= window, "read ahead of the consumer by " + m.group(2));
        assertTrue(Long.parseLong(m.group(3)) <= 256, "the probe ran with -Xmx256m");
    }
}
