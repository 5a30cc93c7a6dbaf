// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** EmbeddingGemma's task prompts as its model card defines them: the prefix put before the text. */
public enum Task {
    /** A search query, to match against {@link #DOCUMENT}s: {@code task: search result | query: }. */
    QUERY("query", "task: search result | query: "),
    /** A document to retrieve, without a title: {@code title: none | text: } (see {@link #document}). */
    DOCUMENT("document", "title: none | text: "),
    /** A question whose answer is sought among documents: {@code task: question answering | query: }. */
    QUESTION_ANSWERING("question-answering", "task: question answering | query: "),
    /** A claim to verify against documents: {@code task: fact checking | query: }. */
    FACT_CHECKING("fact-checking", "task: fact checking | query: "),
    /** A text to classify: {@code task: classification | query: }. */
    CLASSIFICATION("classification", "task: classification | query: "),
    /** A text to cluster: {@code task: clustering | query: }. */
    CLUSTERING("clustering", "task: clustering | query: "),
    /** A text compared for semantic similarity: {@code task: sentence similarity | query: }. */
    SIMILARITY("similarity", "task: sentence similarity | query: "),
    /** A natural-language query for code (the code itself as a {@link #DOCUMENT}): {@code task: code retrieval | query: }. */
    CODE_RETRIEVAL("code-retrieval", "task: code retrieval | query: ");

    private final String id;
    private final String prefix;

    Task(String id, String prefix) {
        this.id = id;
        this.prefix = prefix;
    }

    /**
     * The name used on the command line and in options, e.g. {@code question-answering}.
     *
     * @return the lowercase, hyphenated name {@link #parse} accepts
     */
    public String id() {
        return id;
    }

    /**
     * The prompt put before the text.
     *
     * @return the prefix, e.g. {@code task: search result | query: } (ends with a space)
     */
    public String prefix() {
        return prefix;
    }

    /**
     * The text with this task's prefix.
     *
     * @param text the text
     * @return {@link #prefix()} followed by {@code text}
     */
    public String apply(String text) {
        return prefix + text;
    }

    /**
     * The document prompt with a title: {@code title: {title} | text: {text}}.
     *
     * @param title the document's title; null or empty for {@code none}
     * @param text  the document's text
     * @return the prompted text, to embed with no task set
     */
    public static String document(String title, String text) {
        return "title: " + (title == null || title.isEmpty() ? "none" : title) + " | text: " + text;
    }

    /**
     * The task named {@code name} (case-insensitive, '_' accepted for '-').
     *
     * @param name a task's {@link #id()}, surrounding spaces ignored
     * @return the task
     * @throws IllegalArgumentException if no task has that name (the message lists the valid ones)
     */
    public static Task parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Task t : values()) if (t.id.equals(n)) return t;
        throw new IllegalArgumentException("unknown task '" + name + "'; valid tasks: "
                + Arrays.stream(values()).map(Task::id).collect(Collectors.joining(", ")));
    }
}
