// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import dev.egemma.Embedder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Embedder}s of this JVM (one Spark executor, or the driver in local mode), one per model and options.
 * Opened on first use by a task, then reused by every later task, partition and job on this executor: opening
 * maps the file and repacks the weights once, and {@link Embedder} is thread-safe, so concurrent tasks share one
 * instance and its micro-batches. Closed by a shutdown hook when the executor JVM exits.
 */
final class ExecutorEmbedders {
    private record Key(Path model, Embedder.Options options) {}

    private static final Map<Key, Embedder> OPEN = new ConcurrentHashMap<>();
    /** Number of {@link Embedder#open} calls in this JVM (tests check it stays at one per model). */
    static final AtomicInteger OPENS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorEmbedders::closeAll, "egemma-executor-close"));
    }

    private ExecutorEmbedders() {}

    /** This JVM's embedder for {@code spec}, opened now if it is the first request. */
    static Embedder get(EmbedderSpec spec) {
        Key key = new Key(spec.resolveModel().toAbsolutePath().normalize(), spec.options());
        // computeIfAbsent: concurrent first tasks on one executor wait for the single open
        return OPEN.computeIfAbsent(key, k -> {
            try {
                Embedder e = Embedder.open(k.model(), k.options());
                OPENS.incrementAndGet();
                return e;
            } catch (IOException ex) {
                throw new UncheckedIOException("egemma: cannot open model " + k.model(), ex);
            }
        });
    }

    /** Closes and forgets every embedder (the shutdown hook; also lets tests start from none). */
    static void closeAll() {
        for (Key k : OPEN.keySet()) {
            Embedder e = OPEN.remove(k);
            if (e != null) e.close();
        }
    }
}
