// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

/**
 * The model computed a NaN or an infinity in an embedding, or a normalized embedding that is all zeros (no direction).
 * Never returned as a vector: such a file's weights or hyper-parameters (an fp16 scale that is inf or NaN, a NaN norm
 * weight, an absurd norm epsilon) cannot give a usable embedding, and a caller that stores the vector would only find
 * out later. The CLI reports it in one line, the server as a 500 that says so.
 */
public final class NonFiniteEmbeddingException extends IllegalStateException {
    /**
     * An exception with the given message.
     *
     * @param message what was non-finite or zero, and for how many tokens
     */
    public NonFiniteEmbeddingException(String message) {
        super(message);
    }
}
