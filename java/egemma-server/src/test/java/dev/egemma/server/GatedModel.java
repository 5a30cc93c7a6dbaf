// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.tokenizer.Encoding;
import dev.egemma.tokenizer.Tokenizer;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/**
 * A real model whose embed calls wait at a gate the test opens, so requests can be held in flight on purpose
 * (queue full, timeout, graceful shutdown). Everything else is the wrapped model's.
 */
final class GatedModel implements EmbeddingModelHandle {
    private final EmbeddingModelHandle model;
    final CountDownLatch gate = new CountDownLatch(1);
    final Semaphore entered = new Semaphore(0);
    /** Counted down when an embed call waiting at the gate is interrupted (its request's work was cancelled). */
    final CountDownLatch interrupted = new CountDownLatch(1);

    GatedModel(EmbeddingModelHandle model) {
        this.model = model;
    }

    @Override
    public float[][] embed(List<int[]> sequences, boolean normalize) {
        entered.release();
        try {
            gate.await();
        } catch (InterruptedException e) {
            interrupted.countDown();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the gate");
        }
        return model.embed(sequences, normalize);
    }

    /** Holds the server's warm-up (open unless a test replaces it before the server gets the model). */
    volatile CountDownLatch warmUpGate = new CountDownLatch(0);

    /** The warm-up has its own gate, not {@link #gate}: the tests hold client requests, not the startup. */
    @Override
    public void warmUp() {
        try {
            warmUpGate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the warm-up gate");
        }
        model.warmUp();
    }

    @Override public int dimension() { return model.dimension(); }
    @Override public int vocabSize() { return model.vocabSize(); }
    @Override public int contextLength() { return model.contextLength(); }
    @Override public Encoding tokenize(String text, int maxTokens) { return model.tokenize(text, maxTokens); }
    @Override public Tokenizer tokenizer() { return model.tokenizer(); }
    @Override public String describe() { return "gated " + model.describe(); }
    @Override public void close() { model.close(); }
}
