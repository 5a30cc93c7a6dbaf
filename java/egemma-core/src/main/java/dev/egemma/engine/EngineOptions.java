// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * Scheduling settings of an {@link EmbeddingEngine}.
 *
 * @param maxBatchTokens tokens packed into one forward pass (a single longer text still runs, alone)
 * @param batchThreads   engine threads running micro-batches at once, each with its own activation buffers;
 *                       the matrix products of each batch are split over the model's worker pool
 * @param maxWait        how long a lone async request waits for others to share its batch
 * @param streamWindow   texts a stream keeps in flight (bounds its memory; the source is read no further ahead)
 */
public record EngineOptions(int maxBatchTokens, int batchThreads, Duration maxWait, int streamWindow) {
    public EngineOptions {
        if (maxBatchTokens < 1) throw new IllegalArgumentException("maxBatchTokens must be >= 1, got " + maxBatchTokens);
        if (batchThreads < 1) throw new IllegalArgumentException("batchThreads must be >= 1, got " + batchThreads);
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWait);
        if (streamWindow < 1) throw new IllegalArgumentException("streamWindow must be >= 1, got " + streamWindow);
    }

    /** One batch thread, 2 ms max wait, a stream window of 1024 texts. */
    public static EngineOptions of(int maxBatchTokens) {
        return new EngineOptions(maxBatchTokens, 1, Duration.ofMillis(2), 1024);
    }

    public EngineOptions withBatchThreads(int n) { return new EngineOptions(maxBatchTokens, n, maxWait, streamWindow); }
    public EngineOptions withMaxWait(Duration d) { return new EngineOptions(maxBatchTokens, batchThreads, d, streamWindow); }
    public EngineOptions withStreamWindow(int n) { return new EngineOptions(maxBatchTokens, batchThreads, maxWait, n); }
}
