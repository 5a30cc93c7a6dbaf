// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 30 case 13: close() racing with embed calls from several threads. Each call must either complete with the
 * right vector or fail with "the embedder is closed" (before the fix, a few got FFM's "Already closed" from a
 * forward pass over the unmapped file).
 */
class EmbedderCloseRaceTest {
    static final Path MODEL = TestData.file("golden/small-dense-q8_0.gguf");

    @Test
    void everyCallRacingWithCloseCompletesOrIsToldTheEmbedderIsClosed() throws Exception {
        Embedder.Options o = Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2);
        float[] expected;
        try (Embedder e = Embedder.open(MODEL, o)) {
            expected = e.embed("close race");
        }
        int completed = 0, refused = 0;
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 40; round++) {
            Embedder e = Embedder.open(MODEL, o);
            AtomicInteger ok = new AtomicInteger(), closed = new AtomicInteger();
            CountDownLatch going = new CountDownLatch(6);
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int kind = t % 3;
                callers.add(Thread.ofPlatform().start(() -> {
                    going.countDown();
                    for (int i = 0; i < 12; i++) {
                        try {
                            float[] v = switch (kind) {
                                case 0 -> e.embed("close race");
                                case 1 -> e.embedTokens(e.tokenize("close race"));
                                default -> e.embedAsync("close race").join();
                            };
                            if (!java.util.Arrays.equals(expected, v)) wrong.add("a different vector");
                            ok.incrementAndGet();
                        } catch (IllegalStateException ex) {
                            if ("the embedder is closed".equals(ex.getMessage())) closed.incrementAndGet();
                            else wrong.add(ex.toString());
                        } catch (java.util.concurrent.CompletionException ex) { // embedAsync's future
                            if (ex.getCause() instanceof java.util.concurrent.RejectedExecutionException r && "the embedder is closed".equals(r.getMessage()))
                                closed.incrementAndGet();
                            else wrong.add(ex.toString());
                        } catch (RuntimeException ex) {
                            wrong.add(ex.toString());
                        }
                    }
                }));
            }
            going.await();
            Thread.sleep(round % 5); // close at different points of the calls
            e.close();
            for (Thread c : callers) c.join(60_000);
            completed += ok.get();
            refused += closed.get();
        }
        assertEquals(List.of(), wrong.stream().distinct().toList(), "calls racing with close() must complete or be told the embedder is closed");
        assertTrue(completed > 0 && refused > 0, "the race was exercised both ways: " + completed + " completed, " + refused + " refused");
        assertEquals(40 * 6 * 12, completed + refused);
    }

    @Test
    void aCallAfterCloseIsRefusedAndCloseIsIdempotent() throws Exception {
        Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1));
        e.close();
        e.close();
        IllegalStateException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> e.embed("late"));
        assertEquals("the embedder is closed", ex.getMessage());
    }

    @Test
    void threadsAreBoundedByTheProcessors() {
        int max = Embedder.Options.maxThreads();
        assertEquals(Embedder.Options.THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors(), max);
        assertEquals(max, Embedder.Options.defaults().withThreads(max).threads());
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Embedder.Options.defaults().withThreads(10_000));
        assertTrue(ex.getMessage().contains("1.." + max), ex.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Embedder.Options.defaults().withThreads(0));
    }
}
