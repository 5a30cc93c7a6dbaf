// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import dev.egemma.Task;
import org.springframework.ai.embedding.EmbeddingOptions;

/**
 * Per-call options for {@link EgemmaEmbeddingModel}: Spring AI's {@link EmbeddingOptions} has only a width, and
 * EmbeddingGemma also wants the task prompt chosen per call (queries and documents on the one loaded model).
 *
 * @param dimensions Matryoshka width, 1 to the model's width; null for the model's default ({@code egemma.dimensions})
 * @param task       an egemma task id ({@code query}, {@code document}, {@code classification}, ...) or {@code none}
 *                   for no prompt; null for the model's default ({@code egemma.task})
 */
public record EgemmaEmbeddingOptions(Integer dimensions, String task) implements EmbeddingOptions {
    /**
     * Only a task; the model's default width.
     *
     * @param task the task
     * @return options naming it
     */
    public static EgemmaEmbeddingOptions task(Task task) {
        return new EgemmaEmbeddingOptions(null, task.id());
    }

    /**
     * The same task with another width.
     *
     * @param d the width, 1 to the model's width; null for the model's default
     * @return new options with this task
     */
    public EgemmaEmbeddingOptions withDimensions(Integer d) {
        return new EgemmaEmbeddingOptions(d, task);
    }

    /** One model per bean: the name is not an option. */
    @Override
    public String getModel() {
        return null;
    }

    @Override
    public Integer getDimensions() {
        return dimensions;
    }

    /**
     * The prompt task for {@code name}: {@code none} gives null (no prompt), otherwise an egemma task id.
     *
     * @throws IllegalArgumentException for an unknown task, naming the valid ones
     */
    static Task parseTask(String name) {
        return name.trim().equalsIgnoreCase("none") ? null : Task.parse(name);
    }
}
