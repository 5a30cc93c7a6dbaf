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
 * {@link #embedQuery(String)} or a second model built with {@link Task#QUERY}. A request's whole input list runs
 * through one {@link Embedder} call; the usage's prompt tokens are the tokens fed to the model.
 */
public final class EgemmaEmbeddingModel implements EmbeddingModel {
    /** Document metadata key whose value is the title in the document prompt. */
    public static final String TITLE_KEY = "title";

    private final Embedder embedder;
    private final Task task;

    /**
     * @param embedder opened without a task (this model writes the prompt); not closed by this model
     * @param task     prompt for inputs; null embeds them as is
     */
    public EgemmaEmbeddingModel(Embedder embedder, Task task) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        if (embedder.options().task() != null)
            throw new IllegalArgumentException("the Embedder must be opened without a task (got "
                    + embedder.options().task().id() + "); give the task to the EgemmaEmbeddingModel instead");
        this.task = task;
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        checkDimensions(request.getOptions());
        List<String> prompts = new ArrayList<>();
        for (String t : request.getInstructions()) prompts.add(prompt(null, t));
        return embedPrompted(prompts);
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
        checkDimensions(options);
        List<String> prompts = new ArrayList<>(documents.size());
        for (Document d : documents) {
            Object title = d.getMetadata().get(TITLE_KEY);
            prompts.add(prompt(title == null ? null : title.toString(), d.getText()));
        }
        List<float[]> out = new ArrayList<>(documents.size());
        for (Embedding e : embedPrompted(prompts).getResults()) out.add(e.getOutput());
        return out;
    }

    /** The embedding of a search query ({@link Task#QUERY}'s prompt). */
    public float[] embedQuery(String query) {
        return embedPrompted(List.of(Task.QUERY.apply(query))).getResult().getOutput();
    }

    /** The text fed to the model: this model's task prompt, with the title for documents. */
    public String prompt(String title, String text) {
        if (task == Task.DOCUMENT) return Task.document(title, text);
        return task == null ? text : task.apply(text);
    }

    /** The width is fixed when the model opens (egemma.dimensions): a request asking another one is an error. */
    private void checkDimensions(EmbeddingOptions options) {
        Integer d = options == null ? null : options.getDimensions();
        if (d != null && d != embedder.dimension())
            throw new IllegalArgumentException("this model gives " + embedder.dimension()
                    + "-dimensional embeddings (egemma.dimensions); the request asks for " + d);
    }

    /** One batched Embedder call; the usage counts the tokens fed to the model. */
    private EmbeddingResponse embedPrompted(List<String> prompts) {
        Embedder.CountedEmbeddings result = embedder.embedCounted(prompts);
        float[][] vectors = result.vectors();
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) out.add(new Embedding(vectors[i], i));
        return new EmbeddingResponse(out, new EmbeddingResponseMetadata("embeddinggemma",
                new DefaultUsage(Math.toIntExact(result.tokens()), 0)));
    }

    /** Width of the vectors: the Matryoshka dimension when one is set. */
    @Override
    public int dimensions() {
        return embedder.dimension();
    }

    public Task task() {
        return task;
    }

    public Embedder embedder() {
        return embedder;
    }
}
