// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.java.ScalarKernels;
import dev.egemma.model.EmbeddingGemma;
import dev.egemma.model.ModelConfig;
import dev.egemma.model.ModelWeights;
import dev.egemma.model.WorkerPool;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.TooManyTokensException;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.Truncation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scheduler on the golden F32 model: every batched result must equal the sequence run alone. */
class EmbeddingEngineTest {
    static final float TOL = 1e-6f;

    static GgufFile file;
    static Tokenizer tokenizer;
    static WorkerPool pool;
    static EmbeddingGemma model;

    @BeforeAll
    static void open() throws Exception {
        file = GgufFile.open(TestData.file("golden/small-f32.gguf"));
        ModelWeights w = ModelWeights.bind(file, ModelConfig.from(file));
        tokenizer = Tokenizer.fromGguf(file);
        pool = new WorkerPool(2);
        // scalar kernels: the Vector API ones round differently before and after C2 compiles them (reduceLanes
        // order is unspecified), which would blur "batched equals alone" with JIT timing
        model = new EmbeddingGemma(w, new ScalarKernels(), pool);
    }

    @AfterAll
    static void close() {
        pool.close();
        file.close();
    }

    /** Batches as the engine ran them (token sequences of each), in execution order. */
    static final class RecordingRunner implements BatchRunner {
        final List<List<int[]>> batches = Collections.synchronizedList(new ArrayList<>());

        @Override
        public float[][] run(List<int[]> sequences, dev.egemma.model.Scratch scratch) {
            batches.add(List.copyOf(sequences));
            return model.forward(sequences, null, scratch);
        }

        int largestBatch() {
            synchronized (batches) {
                return batches.stream().mapToInt(List::size).max().orElse(0);
            }
        }
    }

    /** A runner whose batches signal {@code entered}, then wait for {@code release} before running on {@code inner}. */
    static BatchRunner blockingRunner(CountDownLatch entered, CountDownLatch release, RecordingRunner inner) {
        return (seqs, scratch) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            return inner.run(seqs, scratch);
        };
    }

    static int[] tokens(String text, Truncation t) {
        return tokenizer.encode(text, 2048, t).ids();
    }

    static float[] alone(String text) {
        return model.forward(List.of(tokens(text, Truncation.TRUNCATE)), null)[0];
    }

    static EmbeddingEngine engine(EngineOptions o, BatchRunner r, Truncation t) {
        return new EmbeddingEngine(o, text -> tokens(text, t), r, pool);
    }

    /** Texts from 1 to ~200 words, shuffled lengths, plus one longer than the token budget. */
    static List<String> mixedTexts(int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int words = 1 + (i * 37) % 60;
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < words; w++) sb.append(w % 3 == 0 ? "the " : w % 3 == 1 ? "quick" + i + " " : "fox ");
            texts.add(sb.toString().strip());
        }
        texts.add("long ".repeat(300));
        texts.add("");
        return texts;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++)
            assertEquals(expected[j], actual[j], TOL, what + " [" + j + "]");
    }

    @Test
    void mixedLengthsComeBackInInputOrderFromLengthBucketedBatches() {
        List<String> texts = mixedTexts(40);
        RecordingRunner runner = new RecordingRunner();
        float[][] out;
        try (EmbeddingEngine e = engine(EngineOptions.of(96), runner, Truncation.TRUNCATE)) {
            out = e.embed(texts);
        }
        assertEquals(texts.size(), out.length);
        for (int i = 0; i < texts.size(); i++) assertClose(alone(texts.get(i)), out[i], "text " + i);

        assertTrue(runner.batches.size() > 5 && runner.largestBatch() > 1, "several multi-text batches expected");
        int previous = 0;
        for (List<int[]> b : runner.batches) {
            int tokens = b.stream().mapToInt(s -> s.length).sum();
            assertTrue(b.size() == 1 || tokens <= 96, "batch over budget: " + tokens);
            for (int[] s : b) {
                assertTrue(s.length >= previous, "batches run shortest first (bucketing)");
                previous = s.length;
            }
        }
    }

    @Test
    void sixteenConcurrentCallersShareBatchesAndGetTheirOwnResults() throws Exception {
        List<String> texts = mixedTexts(16).subList(0, 16);
        RecordingRunner runner = new RecordingRunner();
        EngineOptions o = EngineOptions.of(4096).withMaxWait(Duration.ofMillis(300));
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        try (EmbeddingEngine e = engine(o, runner, Truncation.TRUNCATE)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < 16; i++) futures.add(new CompletableFuture<>());
            for (int i = 0; i < 16; i++) {
                int k = i;
                callers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        e.submit(texts.get(k)).whenComplete((v, t) -> {
                            if (t != null) futures.get(k).completeExceptionally(t); else futures.get(k).complete(v);
                        });
                    } catch (InterruptedException ex) {
                        futures.get(k).completeExceptionally(ex);
                    }
                }));
            }
            go.countDown();
            for (Thread t : callers) t.join();
            for (int i = 0; i < 16; i++) assertClose(alone(texts.get(i)), futures.get(i).get(30, TimeUnit.SECONDS), "caller " + i);
        }
        assertTrue(runner.largestBatch() > 1, "concurrent requests were never merged: " + runner.batches.size() + " batches");
    }

    @Test
    void aTooLongTextFailsOnlyItsOwnFuture() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        EngineOptions o = EngineOptions.of(4096).withMaxWait(Duration.ofMillis(100));
        try (EmbeddingEngine e = engine(o, runner, Truncation.ERROR)) {
            CompletableFuture<float[]> good1 = e.submit("hello world");
            CompletableFuture<float[]> tooLong = e.submit("word ".repeat(3000));
            CompletableFuture<float[]> good2 = e.submit("another text");
            ExecutionException ex = assertThrows(ExecutionException.class, () -> tooLong.get(30, TimeUnit.SECONDS));
            assertInstanceOf(TooManyTokensException.class, ex.getCause());
            assertClose(alone("hello world"), good1.get(30, TimeUnit.SECONDS), "good1");
            assertClose(alone("another text"), good2.get(30, TimeUnit.SECONDS), "good2");
            // the engine keeps serving
            assertClose(alone("after"), e.submit("after").get(30, TimeUnit.SECONDS), "after");
        }
    }

    @Test
    void aSequenceThatBreaksItsBatchFailsAlone() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        EngineOptions o = EngineOptions.of(4096).withMaxWait(Duration.ofMillis(300));
        try (EmbeddingEngine e = engine(o, runner, Truncation.TRUNCATE)) {
            int[] ok = tokens("fine text", Truncation.TRUNCATE);
            CompletableFuture<float[]> a = e.submitTokens(ok, false);
            CompletableFuture<float[]> bad = e.submitTokens(new int[] {2, 1 << 30, 1}, false);
            CompletableFuture<float[]> empty = e.submitTokens(new int[0], false);
            CompletableFuture<float[]> b = e.submitTokens(ok, false);
            assertInstanceOf(IllegalArgumentException.class, assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS)).getCause());
            assertInstanceOf(IllegalArgumentException.class, assertThrows(ExecutionException.class, () -> empty.get(30, TimeUnit.SECONDS)).getCause());
            assertClose(alone("fine text"), a.get(30, TimeUnit.SECONDS), "a");
            assertClose(alone("fine text"), b.get(30, TimeUnit.SECONDS), "b");
        }
        assertTrue(runner.largestBatch() == 4, "the four requests first ran as one batch");
    }

    @Test
    void closeDrainsQueuedRequestsJoinsItsThreadsAndRejectsNewOnes() throws Exception {
        List<String> texts = mixedTexts(30);
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        EmbeddingEngine e = engine(EngineOptions.of(64).withBatchThreads(2), new RecordingRunner(), Truncation.TRUNCATE);
        for (String t : texts) futures.add(e.submit(t));
        e.close();
        for (int i = 0; i < texts.size(); i++) {
            assertTrue(futures.get(i).isDone(), "drained");
            assertClose(alone(texts.get(i)), futures.get(i).get(), "text " + i);
        }
        assertFalse(engineThreadsAlive(), "engine threads still alive after close()");
        assertInstanceOf(RejectedExecutionException.class,
                assertThrows(ExecutionException.class, () -> e.submit("late").get()).getCause());
        assertThrows(IllegalStateException.class, () -> e.embed(List.of("late")));
        e.close(); // idempotent
    }

    @Test
    void closeNowCancelsQueuedRequestsAndLetsTheRunningBatchFinish() throws Exception {
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        RecordingRunner inner = new RecordingRunner();
        BatchRunner blocking = blockingRunner(entered, release, inner);
        EmbeddingEngine e = engine(EngineOptions.of(8), blocking, Truncation.TRUNCATE);
        CompletableFuture<float[]> running = e.submitTokens(tokens("first", Truncation.TRUNCATE), true);
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        List<CompletableFuture<float[]>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) queued.add(e.submitTokens(tokens("queued number " + i, Truncation.TRUNCATE), true));
        Thread closer = Thread.ofPlatform().start(e::closeNow);
        for (CompletableFuture<float[]> q : queued) {
            while (!q.isDone()) Thread.sleep(1);
            assertTrue(q.isCancelled(), "queued request cancelled");
        }
        release.countDown();
        closer.join(30_000);
        assertFalse(closer.isAlive());
        assertClose(alone("first"), running.get(), "running batch finished");
        assertFalse(engineThreadsAlive(), "engine threads still alive after closeNow()");
    }

    @Test
    void anInterruptedCallerGivesUpAtOnceAndItsQueuedSequencesAreNeverComputed() throws Exception {
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        RecordingRunner inner = new RecordingRunner();
        BatchRunner blocking = blockingRunner(entered, release, inner);
        try (EmbeddingEngine e = engine(EngineOptions.of(8), blocking, Truncation.TRUNCATE)) {
            List<int[]> many = new ArrayList<>();
            for (int i = 0; i < 12; i++) many.add(tokens("abandoned text number " + i, Truncation.TRUNCATE)); // > 8 tokens each: one batch apiece
            CompletableFuture<Throwable> caller = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    e.embedTokens(many);
                    caller.complete(null);
                } catch (Throwable ex) {
                    caller.complete(ex);
                }
            });
            assertTrue(entered.await(30, TimeUnit.SECONDS), "the first batch started");
            t.interrupt();
            assertInstanceOf(java.util.concurrent.CancellationException.class, caller.get(30, TimeUnit.SECONDS),
                    "the interrupted caller gets a CancellationException while a batch still runs");
            release.countDown();
            CompletableFuture<float[]> after = e.submitTokens(tokens("after", Truncation.TRUNCATE), true);
            assertClose(alone("after"), after.get(30, TimeUnit.SECONDS), "the engine goes on serving");
            assertEquals(2, inner.batches.size(), "only the batch already running and the next request ran: " + inner.batches.size());
        }
    }

    @Test
    void aSynchronousCallOnAnIdleEngineRunsOnTheCallerAndABusyEngineQueuesIt() throws Exception {
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        BatchRunner runner = (sequences, scratch) -> {
            threads.add(Thread.currentThread().getName());
            if (sequences.getFirst().length > 20) { // the blocker below holds the engine busy
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return model.forward(sequences, null, scratch);
        };
        try (EmbeddingEngine e = engine(EngineOptions.of(64), runner, Truncation.TRUNCATE)) {
            float[][] idle = e.embed(List.of("hello world", "a second text"));
            assertEquals(List.of(Thread.currentThread().getName()), threads, "ran on the caller");
            assertClose(alone("hello world"), idle[0], "caller-run result");
            assertClose(alone("a second text"), idle[1], "caller-run result");

            threads.clear();
            CompletableFuture<float[]> blocker = e.submit("word ".repeat(30));
            assertTrue(started.await(30, TimeUnit.SECONDS));
            CompletableFuture<float[][]> queued = CompletableFuture.supplyAsync(() -> e.embed(List.of("hello world")));
            Thread.sleep(50);
            assertFalse(queued.isDone(), "a busy engine (one batch thread, running) queues the call");
            release.countDown();
            assertClose(alone("hello world"), queued.get(30, TimeUnit.SECONDS)[0], "queued result");
            blocker.get(30, TimeUnit.SECONDS);
            assertEquals(2, threads.size());
            assertTrue(threads.stream().allMatch(n -> n.startsWith("egemma-batch-")), "both ran on the engine thread: " + threads);

            List<String> tooMany = Collections.nCopies(20, "one two three four five"); // > 64 tokens: queued batches
            threads.clear();
            float[][] big = e.embed(tooMany);
            for (float[] v : big) assertClose(alone(tooMany.getFirst()), v, "batched");
            assertTrue(threads.stream().allMatch(n -> n.startsWith("egemma-batch-")), "over one batch: the engine's threads: " + threads);
        }
    }

    @Test
    void scratchHoldsWhatTheDocumentedFormulaSays() {
        List<int[]> seqs = List.of(tokens("one two three", Truncation.TRUNCATE), tokens("four five six seven eight", Truncation.TRUNCATE),
                tokens("nine", Truncation.TRUNCATE));
        int t = seqs.stream().mapToInt(s -> s.length).sum();
        dev.egemma.model.Scratch scratch = new dev.egemma.model.Scratch();
        model.forward(seqs, null, scratch);
        model.forward(seqs.subList(0, 1), null, scratch); // a smaller batch reuses, never grows
        ModelConfig c = model.weights().config();
        assertFalse(model.weights().hasDense());
        assertEquals(t * EngineMemory.bytesPerToken(c) + seqs.size() * EngineMemory.bytesPerSequence(c, 0, 0), scratch.heldBytes());
        assertEquals(2 * (1024 * EngineMemory.bytesPerToken(c) + 8 * EngineMemory.bytesPerSequence(c, 0, 0)),
                EngineMemory.scratchBytes(c, 0, 0, EngineOptions.of(1024).withBatchThreads(2), 8));
    }

    static boolean engineThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("egemma-batch-") && t.isAlive());
    }
}
