// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import dev.egemma.Embedder;
import dev.egemma.Task;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.BatchingStrategy;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Spring AI {@link EmbeddingModel} computing EmbeddingGemma embeddings with an egemma {@link Embedder}.
 *
 * <p>Prompts: texts and {@link Document}s get this model's task prompt ({@link Task#DOCUMENT} by default; for a
 * document, metadata {@value #TITLE_KEY} fills {@code title: {title} | text: }). Embed search queries with
 * {@link #embedQuery(String)}, or per call with {@link EgemmaEmbeddingOptions} (a task, a width) on
 * {@link #call(EmbeddingRequest)} or {@link #embed(List, EmbeddingOptions, BatchingStrategy)}; a plain
 * {@link EmbeddingOptions}' dimensions work too. A request's whole input list runs through one {@link Embedder}
 * call; the usage's prompt tokens are the tokens fed to the model. A width other than the Embedder's needs it
 * opened at full width without normalization, as the auto-configuration does ({@link Embedder#embedMatryoshka}).
 */
public final class EgemmaEmbeddingModel implements EmbeddingModel {
    /** Document metadata key whose value is the title in the document prompt. */
    public static final String TITLE_KEY = "title";

    private final Embedder embedder;
    private final Task task;
    private final int dimension;

    /**
     * As {@link #EgemmaEmbeddingModel(Embedder, Task, int)} with the Embedder's width as the default.
     *
     * @param embedder opened without a task; not closed by this model
     * @param task     default prompt for inputs; null embeds them as is
     * @throws IllegalArgumentException if the Embedder was opened with a task
     */
    public EgemmaEmbeddingModel(Embedder embedder, Task task) {
        this(embedder, task, 0);
    }

    /**
     * A model over an open Embedder.
     *
     * @param embedder  opened without a task (this model writes the prompt); not closed by this model
     * @param task      default prompt for inputs; null embeds them as is
     * @param dimension default Matryoshka width; 0 for the Embedder's width
     * @throws IllegalArgumentException for a width the Embedder cannot give, or an Embedder opened with a task
     */
    public EgemmaEmbeddingModel(Embedder embedder, Task task, int dimension) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        if (embedder.options().task() != null)
            throw new IllegalArgumentException("the Embedder must be opened without a task (got "
                    + embedder.options().task().id() + "); give the task to the EgemmaEmbeddingModel instead");
        this.task = task;
        this.dimension = embedder.matryoshkaWidth(dimension == 0 ? embedder.dimension() : dimension);
    }

    /** The request's texts with its options' task and width, each falling back to this model's. */
    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        Task t = task(request.getOptions());
        int d = dimension(request.getOptions());
        List<String> prompts = new ArrayList<>();
        for (String text : request.getInstructions()) prompts.add(prompt(t, null, text));
        return embedPrompted(prompts, d);
    }

    @Override
    public float[] embed(Document document) {
        return embed(List.of(document), null, null).get(0);
    }

    /**
     * What vector stores call: all documents in one {@link Embedder} call (the engine batches by tokens, so the
     * batching strategy, meant for remote API limits, is not needed), each with its title in the prompt. Spring
     * AI's default would embed the formatted content (metadata lines included) instead of the text.
     */
    @Override
    public List<float[]> embed(List<Document> documents, EmbeddingOptions options, BatchingStrategy batchingStrategy) {
        Task t = task(options);
        int dim = dimension(options);
        List<String> prompts = new ArrayList<>(documents.size());
        for (Document d : documents) {
            Object title = d.getMetadata().get(TITLE_KEY);
            prompts.add(prompt(t, title == null ? null : title.toString(), d.getText()));
        }
        List<float[]> out = new ArrayList<>(documents.size());
        for (Embedding e : embedPrompted(prompts, dim).getResults()) out.add(e.getOutput());
        return out;
    }

    /**
     * The embedding of a search query ({@link Task#QUERY}'s prompt), at this model's default width.
     *
     * @param query the query text
     * @return the vector
     */
    public float[] embedQuery(String query) {
        return embedPrompted(List.of(Task.QUERY.apply(query)), dimension).getResult().getOutput();
    }

    /**
     * The text fed to the model: this model's task prompt, with the title for documents.
     *
     * @param title the document's title, used with the DOCUMENT task; null for none
     * @param text  the text
     * @return the prompted text
     */
    public String prompt(String title, String text) {
        return prompt(task, title, text);
    }

    private static String prompt(Task task, String title, String text) {
        if (task == Task.DOCUMENT) return Task.document(title, text);
        return task == null ? text : task.apply(text);
    }

    /** An {@link EgemmaEmbeddingOptions}' task ({@code none}: no prompt), else this model's. */
    private Task task(EmbeddingOptions options) {
        if (options instanceof EgemmaEmbeddingOptions o && o.task() != null) return EgemmaEmbeddingOptions.parseTask(o.task());
        return task;
    }

    /** The options' dimensions, checked (1 to the model's width), else this model's default. */
    private int dimension(EmbeddingOptions options) {
        Integer d = options == null ? null : options.getDimensions();
        return d == null ? dimension : embedder.matryoshkaWidth(d);
    }

    /** One batched Embedder call at width {@code d}; the usage counts the tokens fed to the model. */
    private EmbeddingResponse embedPrompted(List<String> prompts, int d) {
        Embedder.CountedEmbeddings result = embedder.embedMatryoshka(prompts, d);
        float[][] vectors = result.vectors();
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) out.add(new Embedding(vectors[i], i));
        return new EmbeddingResponse(out, new EmbeddingResponseMetadata("embeddinggemma",
                new DefaultUsage(Math.toIntExact(result.tokens()), 0)));
    }

    /** Width of the vectors unless a call asks another: the Matryoshka dimension when one is set. */
    @Override
    public int dimensions() {
        return dimension;
    }

    /**
     * The default prompt task.
     *
     * @return the task, or null for none
     */
    public Task task() {
        return task;
    }

    /**
     * The model this runs on.
     *
     * @return the Embedder, not closed by this model
     */
    public Embedder embedder() {
        return embedder;
    }
}
