package dev.egemma.model;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The compute threads of one model (not the common pool, so an application's own parallel streams neither
 * compete with nor starve the forward pass). Several callers may submit at once; their tasks interleave.
 */
public final class WorkerPool implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("egemma-worker-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body(0..tasks-1)}, in parallel when the pool has more than one thread; returns when all are done. */
    public void forEach(int tasks, IntConsumer body) {
        if (pool == null || tasks <= 1) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
