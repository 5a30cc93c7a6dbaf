// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import dev.egemma.model.Scratch;

import java.util.List;

/**
 * Runs one micro-batch of token sequences through the model and returns the finished embeddings, one per
 * sequence in order. Called by one engine thread at a time with that thread's own {@link Scratch}.
 */
@FunctionalInterface
public interface BatchRunner {
    float[][] run(List<int[]> sequences, Scratch scratch);
}
