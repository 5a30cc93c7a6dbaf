// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The compute threads of one model (not the common pool, so an application's own parallel streams neither
 * compete with nor starve the forward pass).
 *
 * <p>Why not a ForkJoinPool: one forward pass is a few hundred parallel steps (every product, norm and attention
 * layer), each only tens of microseconds for a short text, and waking parked pool workers for each step cost more
 * than the step ("Hello world" took 19 ms on 2 threads against 10 ms on one). Here the calling thread works as one
 * of the {@code threads}: it posts the step, runs tasks itself, and {@code threads - 1} helpers that spin briefly
 * after each step ({@link #SPIN_NANOS}) pick up the next one without a wake-up, as ggml's thread pool does.
 *
 * <p>One step runs at a time: a caller that finds another caller's step running (a second engine thread, or a
 * task that calls {@link #forEach} itself) runs its own tasks alone, which is correct and cannot deadlock.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long an idle helper polls for the next step before it parks: a few steps' worth of serial work between products. */
    static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] helpers;
    private final AtomicIntegerArray parked; // 1 while helper i is parked or about to park
    private final AtomicReference<Step> current = new AtomicReference<>();
    private volatile boolean closed;

    /** {@code tasks} indices of one forEach, claimed one at a time by whoever is free. */
    private static final class Step {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Step(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        /** Runs unclaimed tasks until none is left; after a failure the rest are skipped (but counted). */
        void work() {
            for (int i; (i = next.getAndIncrement()) < tasks; ) {
                try {
                    if (failure == null) body.accept(i);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        boolean hasWork() {
            return next.get() < tasks;
        }
    }

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.helpers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(threads - 1);
        for (int i = 0; i < helpers.length; i++) {
            int id = i;
            helpers[i] = new Thread(() -> helperLoop(id), "egemma-worker-" + i);
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** The helper threads (for tests: they must be gone after {@link #close()}). */
    java.util.List<Thread> helperThreads() {
        return java.util.List.of(helpers);
    }

    /** Runs {@code body(0..tasks-1)}, in parallel when the pool has more than one thread; returns when all are done. */
    public void forEach(int tasks, IntConsumer body) {
        if (helpers.length == 0 || tasks <= 1 || closed) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        Step step = new Step(body, tasks);
        if (!current.compareAndSet(null, step)) { // another step is running: its helpers are busy anyway
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        wakeHelpers();
        step.work();
        current.compareAndSet(step, null); // every task is claimed: the next step may be posted
        for (int spins = 0; step.finished.get() < tasks; spins++) {
            if (spins < 20_000) Thread.onSpinWait();
            else Thread.yield(); // a helper was descheduled mid-task
        }
        Throwable t = step.failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    private void wakeHelpers() {
        for (int i = 0; i < helpers.length; i++) {
            if (parked.get(i) != 0) LockSupport.unpark(helpers[i]);
        }
    }

    private void helperLoop(int id) {
        long idleSince = System.nanoTime();
        int polls = 0;
        while (!closed) {
            Step s = current.get();
            if (s != null && s.hasWork()) {
                s.work();
                idleSince = System.nanoTime();
                polls = 0;
            } else if ((++polls & 255) != 0 || System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait(); // the clock is read every 256 polls: reading it each time was 8% of a short text's profile
            } else {
                // announce, then look once more: a poster either sees the flag or we see its step (both sides
                // write one volatile, then read the other's)
                parked.set(id, 1);
                Step again = current.get();
                if ((again == null || !again.hasWork()) && !closed) LockSupport.parkNanos(this, 50_000_000L);
                parked.set(id, 0);
                idleSince = System.nanoTime();
            }
        }
    }

    /** Stops the helpers and waits for them; later forEach calls run on the calling thread. */
    @Override
    public void close() {
        closed = true;
        for (Thread h : helpers) LockSupport.unpark(h);
        for (Thread h : helpers) joinUninterruptibly(h);
    }

    /** Waits for {@code t} to end (not for the calling thread itself), keeping an interrupt for later. */
    public static void joinUninterruptibly(Thread t) {
        if (t == Thread.currentThread()) return;
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
