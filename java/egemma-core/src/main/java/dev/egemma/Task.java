package dev.egemma;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** EmbeddingGemma's task prompts as its model card defines them: the prefix put before the text. */
public enum Task {
    QUERY("query", "task: search result | query: "),
    DOCUMENT("document", "title: none | text: "),
    QUESTION_ANSWERING("question-answering", "task: question answering | query: "),
    FACT_CHECKING("fact-checking", "task: fact checking | query: "),
    CLASSIFICATION("classification", "task: classification | query: "),
    CLUSTERING("clustering", "task: clustering | query: "),
    SIMILARITY("similarity", "task: sentence similarity | query: "),
    CODE_RETRIEVAL("code-retrieval", "task: code retrieval | query: ");

    private final String id;
    private final String prefix;

    Task(String id, String prefix) {
        this.id = id;
        this.prefix = prefix;
    }

    /** The name used on the command line and in options, e.g. {@code question-answering}. */
    public String id() {
        return id;
    }

    public String prefix() {
        return prefix;
    }

    /** The text with this task's prefix. */
    public String apply(String text) {
        return prefix + text;
    }

    /** The document prompt with a title: {@code title: {title} | text: {text}}. */
    public static String document(String title, String text) {
        return "title: " + (title == null || title.isEmpty() ? "none" : title) + " | text: " + text;
    }

    /** The task named {@code name} (case-insensitive, '_' accepted for '-'). */
    public static Task parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Task t : values()) if (t.id.equals(n)) return t;
        throw new IllegalArgumentException("unknown task '" + name + "'; valid tasks: "
                + Arrays.stream(values()).map(Task::id).collect(Collectors.joining(", ")));
    }
}
