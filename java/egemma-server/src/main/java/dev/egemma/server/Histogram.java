// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram: cumulative bucket counts, sum and count, lock-free. */
final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) counts[i] = new LongAdder();
    }

    void observe(double v) {
        for (int i = 0; i < bounds.length; i++) if (v <= bounds[i]) counts[i].increment();
        sum.add(v);
        count.increment();
    }

    /** The {@code _bucket}, {@code _sum} and {@code _count} lines; {@code labels} like {@code route="/v1/embeddings"} or empty. */
    void render(StringBuilder out, String name, String labels) {
        String sep = labels.isEmpty() ? "" : labels + ",";
        for (int i = 0; i < bounds.length; i++)
            out.append(name).append("_bucket{").append(sep).append("le=\"").append(fmt(bounds[i])).append("\"} ").append(counts[i].sum()).append('\n');
        out.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_sum").append(braces).append(' ').append(fmt(sum.sum())).append('\n');
        out.append(name).append("_count").append(braces).append(' ').append(count.sum()).append('\n');
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
