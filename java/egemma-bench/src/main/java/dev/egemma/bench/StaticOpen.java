// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.staticembed.StaticEmbedder;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * How long {@link StaticEmbedder#open} takes: the first open in this JVM (cold: what a process that starts,
 * opens a table and embeds sees), the first embedding after it, the median of the last 10 of N opens (warm),
 * and the heap the last open allocated. Run it in a fresh JVM per measurement of the cold numbers:
 * {@code java -cp java/egemma-bench/target/benchmarks.jar dev.egemma.bench.StaticOpen TABLE.emb8 [N]}.
 */
public final class StaticOpen {
    private StaticOpen() {}

    public static void main(String[] args) throws Exception {
        Path p = Path.of(args[0]);
        int n = Math.max(11, args.length > 1 ? Integer.parseInt(args[1]) : 30);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        double[] ms = new double[n];
        double firstEmbed = 0;
        long allocated = 0;
        for (int i = 0; i < n; i++) {
            long a0 = mx.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            try (StaticEmbedder e = StaticEmbedder.open(p)) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
                allocated = mx.getCurrentThreadAllocatedBytes() - a0;
                long t1 = System.nanoTime();
                e.embed("The quick brown fox jumps over the lazy dog.");
                if (i == 0) firstEmbed = (System.nanoTime() - t1) / 1e6;
            }
        }
        double[] warm = Arrays.copyOfRange(ms, n - 10, n);
        Arrays.sort(warm);
        System.out.printf(Locale.ROOT, "cold_open_ms %.1f first_embed_ms %.1f warm_open_median_ms %.1f heap_allocated_by_open_mb %.1f%n",
                ms[0], firstEmbed, (warm[4] + warm[5]) / 2, allocated / 1048576.0);
    }
}
