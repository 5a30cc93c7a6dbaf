// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import dev.egemma.Embedder;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Run in a forked JVM with a small heap by {@link EmbedderStreamingTest}: streams {@code args[1]} short texts
 * through the model at {@code args[0]} and prints how many came back and how far the source was read ahead.
 */
public final class StreamProbe {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]), window = Integer.parseInt(args[2]);
        long[] read = {0};
        Iterator<String> source = new Iterator<>() {
            @Override public boolean hasNext() { return read[0] < n; }
            @Override public String next() {
                if (read[0] >= n) throw new NoSuchElementException();
                return "line " + (read[0]++) + " of the stream";
            }
        };
        Embedder.Options o = Embedder.Options.defaults().withThreads(2).withMaxBatchTokens(2048);
        long consumed = 0, maxAhead = 0;
        try (Embedder e = Embedder.open(Path.of(args[0]), o, EngineOptions.of(2048).withStreamWindow(window))) {
            Iterator<float[]> it = e.embedStream(source);
            while (it.hasNext()) {
                float[] v = it.next();
                if (v.length != e.dimension() || !Float.isFinite(v[0])) throw new AssertionError("bad vector at " + consumed);
                consumed++;
                maxAhead = Math.max(maxAhead, read[0] - consumed);
            }
        }
        System.out.println("consumed=" + consumed + " maxAhead=" + maxAhead + " maxHeapMiB=" + (Runtime.getRuntime().maxMemory() >> 20));
    }
}
