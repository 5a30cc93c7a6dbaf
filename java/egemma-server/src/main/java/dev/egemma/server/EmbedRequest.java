// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Task;

import java.util.List;

/**
 * One embeddings request, whichever API it came through.
 *
 * @param model      requested model name, null if absent
 * @param inputs     texts or token sequences (never empty)
 * @param dimensions Matryoshka width, 0 for the model's full width
 * @param format     how the vectors are written ({@code encoding_format})
 * @param truncate   cut inputs longer than the token limit (true) or reject them (false)
 * @param task       EmbeddingGemma prompt applied to text inputs (egemma extension), null for none
 * @param normalize  L2-normalize (every API but TEI's {@code "normalize": false})
 * @param keepEnd    truncation keeps the last tokens (TEI's {@code "truncation_direction": "Left"}), not the first
 */
public record EmbedRequest(String model, List<Input> inputs, int dimensions, VectorFormat format, boolean truncate, Task task,
                           boolean normalize, boolean keepEnd) {

    /** Normalized, truncating at the end: what the OpenAI and Ollama APIs ask for. */
    public EmbedRequest {
        if (format.needsUnitVectors() && !normalize)
            throw ApiException.badRequest("'encoding_format' \"" + format.id() + "\" scales unit vectors; it cannot be used with \"normalize\": false", "encoding_format");
    }

    /** Normalized, truncating at the end: what the OpenAI and Ollama APIs ask for. */
    EmbedRequest(String model, List<Input> inputs, int dimensions, VectorFormat format, boolean truncate, Task task) {
        this(model, inputs, dimensions, format, truncate, task, true, false);
    }

    /** An input: a text to tokenize, or token ids given by the client. */
    public sealed interface Input permits Text, Tokens {}

    /**
     * A text input, tokenized by the server.
     *
     * @param text the text
     */
    public record Text(String text) implements Input {}

    /**
     * A pre-tokenized input, embedded as given.
     *
     * @param ids token ids of the model's vocabulary
     */
    public record Tokens(int[] ids) implements Input {}
}
