// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Embedder;
import dev.egemma.staticembed.Emb8File;
import dev.egemma.staticembed.StaticEmbedder;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What {@code egemma bench} measures: a GGUF model through {@link Embedder}, or an EMB8 table through
 * {@link StaticEmbedder} (backend "static"), behind the calls the benchmark makes.
 */
interface BenchTarget extends AutoCloseable {
    void embed(List<String> texts);

    void embed(String text);

    void embedTokenLists(List<int[]> sequences);

    /** The ids the benchmark counts as this text's tokens (as embedded). */
    int[] tokenize(String text);

    Tokenizer tokenizer();

    /** Longest sequence the sweep may use. */
    int contextLength();

    /** Kernel name, {@code backend-isa} (the bench splits it at the first dash). */
    String kernels();

    int threads();

    /** Null where there are no micro-batches (static tables). */
    Integer maxBatchTokens();

    @Override
    void close();

    /**
     * Opens {@code model} as the kind its magic says. {@code threads} null: the Embedder's default. {@code tokenizer}:
     * a static table's (see {@link StaticEmbedder#open(Path, Path)}), null for its own; the caller refuses one for a
     * GGUF model.
     */
    static BenchTarget open(Path model, Embedder.Options o, Integer threads, Path tokenizer) throws IOException {
        if (Emb8File.looksLikeEmb8(model)) return new Static(StaticEmbedder.open(model, tokenizer), threads != null ? threads : o.threads());
        Embedder e = Embedder.open(model, o);
        return new Model(e);
    }

    record Model(Embedder e) implements BenchTarget {
        public void embed(List<String> texts) { e.embed(texts); }
        public void embed(String text) { e.embed(text); }
        public void embedTokenLists(List<int[]> s) { e.embedTokenLists(s); }
        public int[] tokenize(String t) { return e.tokenize(t); }
        public Tokenizer tokenizer() { return e.tokenizer(); }
        public int contextLength() { return e.config().contextLength(); }
        public String kernels() { return e.backendName(); }
        public int threads() { return e.options().threads(); }
        public Integer maxBatchTokens() { return e.options().maxBatchTokens(); }
        public void close() { e.close(); }
    }

    /**
     * A static table: one text at a time on the calling thread in latency mode; throughput and sweep split
     * the texts into {@code threads} contiguous slices on a fixed pool (the embedder is thread-safe).
     */
    final class Static implements BenchTarget {
        private final StaticEmbedder e;
        private final int threads;
        private final ExecutorService pool;

        Static(StaticEmbedder e, int threads) {
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            this.e = e;
            this.threads = threads;
            this.pool = Executors.newFixedThreadPool(threads);
        }

        public void embed(List<String> texts) { parallel(texts, e::embed); }
        public void embed(String text) { e.embed(text); }
        public void embedTokenLists(List<int[]> s) { parallel(s, ids -> e.embedSequence(ids, true)); }
        public int[] tokenize(String t) { return e.tokenize(t); }
        public Tokenizer tokenizer() { return e.tokenizer(); }
        public int contextLength() { return Integer.MAX_VALUE; }
        public String kernels() { return "static-emb8"; }
        public int threads() { return threads; }
        public Integer maxBatchTokens() { return null; }

        private <T> void parallel(List<T> items, java.util.function.Consumer<T> f) {
            List<Future<?>> parts = new ArrayList<>(threads);
            for (int k = 0; k < threads; k++) {
                int from = (int) ((long) items.size() * k / threads), to = (int) ((long) items.size() * (k + 1) / threads);
                parts.add(pool.submit(() -> { for (int i = from; i < to; i++) f.accept(items.get(i)); }));
            }
            try {
                for (Future<?> p : parts) p.get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(ex.getCause());
            }
        }

        public void close() {
            pool.shutdownNow();
            e.close();
        }
    }
}
