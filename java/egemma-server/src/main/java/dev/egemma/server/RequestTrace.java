// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.function.BiConsumer;

/**
 * What one embeddings request did, for its response headers and the per-model metrics: the model it resolved to,
 * its tokens, and where its time went. Filled in by {@link EmbeddingService} on the request's own thread (the worker's
 * times are handed over through the future), read by {@link Route} when it answers.
 */
final class RequestTrace {
    private final long startNanos = System.nanoTime();
    private String model;
    private long tokens, tokenizeNanos, queueNanos, inferenceNanos;
    private boolean embedded;

    /** The served model, once the request named one that exists (errors after that count against it). */
    void model(String name) {
        model = name;
    }

    String model() {
        return model;
    }

    long tokens() {
        return tokens;
    }

    long queueNanos() {
        return queueNanos;
    }

    long inferenceNanos() {
        return inferenceNanos;
    }

    boolean embedded() {
        return embedded;
    }

    void tokenized(long tokens, long nanos) {
        this.tokens = tokens;
        this.tokenizeNanos = nanos;
    }

    void embedded(long queueNanos, long inferenceNanos) {
        this.queueNanos = queueNanos;
        this.inferenceNanos = inferenceNanos;
        this.embedded = true;
    }

    /**
     * TEI's timing headers (its names; whole milliseconds, as TEI writes them) and its token count, for an answered
     * embeddings request: total from the request's head being read to the answer.
     */
    void headers(BiConsumer<String, String> set) {
        if (!embedded) return;
        set.accept("x-compute-tokens", Long.toString(tokens));
        set.accept("x-total-time", ms(System.nanoTime() - startNanos));
        set.accept("x-tokenization-time", ms(tokenizeNanos));
        set.accept("x-queue-time", ms(queueNanos));
        set.accept("x-inference-time", ms(inferenceNanos));
    }

    private static String ms(long nanos) {
        return Long.toString(nanos / 1_000_000);
    }
}
