// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * Embeddings of a text source, in order, with at most {@code window} texts in flight. The source is read in
 * chunks of at least half a window, only when the consumer has taken enough results (back-pressure); each
 * chunk is tokenized in parallel and queued shortest first so its micro-batches hold similar lengths.
 * Not thread-safe (like any iterator).
 */
final class EmbeddingIterator implements Iterator<float[]> {
    private final EmbeddingEngine engine;
    private final Iterator<String> source;
    private final int window;
    private final ArrayDeque<CompletableFuture<float[]>> inFlight = new ArrayDeque<>();
    private final List<String> chunk = new ArrayList<>();

    EmbeddingIterator(EmbeddingEngine engine, Iterator<String> source, int window) {
        this.engine = engine;
        this.source = source;
        this.window = window;
    }

    @Override
    public boolean hasNext() {
        refill();
        return !inFlight.isEmpty();
    }

    @Override
    public float[] next() {
        if (!hasNext()) throw new NoSuchElementException();
        return EmbeddingEngine.await(inFlight.pollFirst());
    }

    private void refill() {
        if (inFlight.size() > window / 2 || !source.hasNext()) return;
        chunk.clear();
        while (inFlight.size() + chunk.size() < window && source.hasNext()) chunk.add(source.next());
        int n = chunk.size();
        int[][] ids = new int[n][];
        RuntimeException[] failures = new RuntimeException[n];
        engine.tokenizeAll(chunk, 0, n, ids, failures);
        List<int[]> ok = new ArrayList<>(n);
        for (int i = 0; i < n; i++) if (failures[i] == null) ok.add(ids[i]);
        List<CompletableFuture<float[]>> queued = engine.submitSortedByLength(ok);
        int next = 0;
        for (int i = 0; i < n; i++)
            inFlight.addLast(failures[i] == null ? queued.get(next++) : CompletableFuture.failedFuture(failures[i]));
        Arrays.fill(ids, null);
        chunk.clear();
    }
}
