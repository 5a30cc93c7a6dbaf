// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

/**
 * Debug hook of the forward pass: sees the hidden states of the whole batch ({@code rows} tokens of
 * {@code cols} floats, sequences one after the other) at named points: {@code inp_scaled} (scaled embeddings),
 * {@code layer_NN} (output of block NN) and {@code result_norm} (after the final norm, before pooling).
 * The array must not be kept or modified.
 */
@FunctionalInterface
public interface LayerObserver {
    void observe(String name, float[] hidden, int rows, int cols);
}
