// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The model's pool: every task runs exactly once, failures reach the caller, steps from several callers never deadlock. */
class WorkerPoolTest {

    @Test
    void everyTaskRunsExactlyOnceAndTheHelpersShareTheWork() {
        try (WorkerPool pool = new WorkerPool(3)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 200; round++) {
                int tasks = 1 + round % 37;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                pool.forEach(tasks, i -> {
                    runs.incrementAndGet(i);
                    threads.add(Thread.currentThread().getName());
                    busy(20_000);
                });
                for (int i = 0; i < tasks; i++) assertEquals(1, runs.get(i), "round " + round + " task " + i);
            }
            assertTrue(threads.contains(Thread.currentThread().getName()), "the caller works too: " + threads);
            assertTrue(threads.stream().anyMatch(n -> n.startsWith("egemma-worker-")), "helpers took tasks: " + threads);
        }
    }

    @Test
    void aFailingTaskFailsTheStepWithItsOwnExceptionAndThePoolGoesOn() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("task 7");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.forEach(20, i -> {
                if (i == 7) throw boom;
            }));
            assertSame(boom, thrown);
            AssertionError err = new AssertionError("an Error passes through too");
            assertSame(err, assertThrows(AssertionError.class, () -> pool.forEach(5, i -> {
                if (i == 4) throw err;
            })));
            AtomicLong sum = new AtomicLong();
            pool.forEach(100, sum::addAndGet);
            assertEquals(4950, sum.get());
        }
    }

    @Test
    void concurrentCallersAndNestedStepsAllComplete() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            List<Thread> callers = new ArrayList<>();
            AtomicLong total = new AtomicLong();
            for (int c = 0; c < 4; c++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int round = 0; round < 100; round++) {
                        // a task that itself calls forEach runs that inner step on its own thread
                        pool.forEach(6, i -> pool.forEach(3, j -> total.incrementAndGet()));
                    }
                }));
            }
            for (Thread t : callers) t.join(60_000);
            for (Thread t : callers) assertFalse(t.isAlive(), "a caller is stuck");
            assertEquals(4L * 100 * 6 * 3, total.get());
        }
    }

    @Test
    void closeStopsTheHelpersAndLaterStepsRunOnTheCaller() {
        WorkerPool pool = new WorkerPool(3);
        pool.forEach(10, i -> {});
        pool.close();
        assertEquals(2, pool.helperThreads().size());
        for (Thread h : pool.helperThreads()) assertFalse(h.isAlive(), h.getName() + " still alive after close()");
        Set<String> threads = ConcurrentHashMap.newKeySet();
        pool.forEach(8, i -> threads.add(Thread.currentThread().getName()));
        assertEquals(Set.of(Thread.currentThread().getName()), threads);
    }

    @Test
    void aPoolOfOneRunsEverythingOnTheCaller() {
        try (WorkerPool pool = new WorkerPool(1)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            pool.forEach(50, i -> threads.add(Thread.currentThread().getName()));
            assertEquals(Set.of(Thread.currentThread().getName()), threads);
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
    }

    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
