// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Embedder;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A library user's cold start (issue 27): the time from the JVM's start to {@link Embedder#open} returning and to the
 * first vector returned by {@link Embedder#embed(String)}, in this fresh JVM. The clock is read with
 * {@link System#currentTimeMillis()} only; the JVM's start time is asked for after the vector, so the management classes
 * that answer it are not part of what is measured. Run one JVM per measurement, on a thin class path as an
 * application would (java/egemma-bench/cold-start.sh does, 10 times):
 * {@code java --enable-native-access=ALL-UNNAMED -cp CORE.jar:NATIVE.jar:java/egemma-bench/target/classes
 * dev.egemma.bench.FirstVector MODEL [THREADS]}.
 */
public final class FirstVector {
    private FirstVector() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.currentTimeMillis();
        Embedder.Options o = Embedder.Options.defaults();
        if (args.length > 1) o = o.withThreads(Integer.parseInt(args[1]));
        try (Embedder e = Embedder.open(Path.of(args[0]), o)) {
            long opened = System.currentTimeMillis();
            float[] v = e.embed("Hello world");
            long first = System.currentTimeMillis();
            long start = ManagementFactory.getRuntimeMXBean().getStartTime();
            System.out.printf(Locale.ROOT, "main_ms %d open_ms %d open_end_ms %d first_vector_ms %d dim %d backend %s%n",
                    t0 - start, opened - t0, opened - start, first - start, v.length, e.backendName().replace(' ', '_'));
        }
    }
}
