package dev.egemma.langchain4j;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A langchain4j {@link EmbeddingModel} computing EmbeddingGemma embeddings with an egemma {@link Embedder}.
 *
 * <p>Prompts: EmbeddingGemma wants a different prefix for what is stored and what is searched. This model embeds
 * {@link TextSegment}s with its task's prompt, {@link Task#DOCUMENT} by default, where a segment's metadata
 * {@value #TITLE_KEY} gives {@code title: {title} | text: {text}} (no title: {@code title: none | text: }).
 * Search with {@link #embedQuery(String)} or with the {@link #queryModel()} view (e.g. for an
 * {@code EmbeddingStoreContentRetriever}), both using {@link Task#QUERY}'s prompt on the same loaded model.
 *
 * <p>{@link #embedAll(List)} runs all segments through one {@link Embedder} call (the engine batches them) and
 * reports the number of tokens fed to the model, prompt and special tokens included, as the input token count.
 */
public final class EgemmaEmbeddingModel implements EmbeddingModel, AutoCloseable {
    /** Segment metadata key whose value is the document title in the document prompt. */
    public static final String TITLE_KEY = "title";

    private final Embedder embedder;
    private final Task task;
    private final boolean ownsEmbedder;

    private EgemmaEmbeddingModel(Embedder embedder, Task task, boolean ownsEmbedder) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        // the adapter writes the prompt itself (titles, query view): an Embedder-level prompt would be applied twice
        if (embedder.options().task() != null)
            throw new IllegalArgumentException("the Embedder must be opened without a task (got "
                    + embedder.options().task().id() + "); give the task to the EgemmaEmbeddingModel instead");
        this.task = task;
        this.ownsEmbedder = ownsEmbedder;
    }

    /**
     * A model over an already opened {@link Embedder} (opened with no task); closing the model leaves it open.
     *
     * @param task prompt for segments; null embeds segment text as is
     */
    public static EgemmaEmbeddingModel of(Embedder embedder, Task task) {
        return new EgemmaEmbeddingModel(embedder, task, false);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A view embedding segments with {@link Task#QUERY}'s prompt on the same model (closing it does nothing). */
    public EgemmaEmbeddingModel queryModel() {
        return new EgemmaEmbeddingModel(embedder, Task.QUERY, false);
    }

    /** The embedding of a search query ({@link Task#QUERY}'s prompt), with its token count. */
    public Response<Embedding> embedQuery(String query) {
        Response<List<Embedding>> r = embedPrompted(List.of(Task.QUERY.apply(query)));
        return Response.from(r.content().get(0), r.tokenUsage());
    }

    /**
     * Straight to {@link #embedAll(List)}: langchain4j's default goes through an {@code EmbeddingRequest}, which
     * keeps only the segment's text and would lose the title.
     */
    @Override
    public Response<Embedding> embed(TextSegment segment) {
        Response<List<Embedding>> r = embedAll(List.of(segment));
        return Response.from(r.content().get(0), r.tokenUsage());
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<String> prompts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) prompts.add(prompt(s));
        return embedPrompted(prompts);
    }

    /** The text fed to the model for {@code segment}: this model's task prompt, with the title for documents. */
    public String prompt(TextSegment segment) {
        String text = segment.text();
        if (task == Task.DOCUMENT) return Task.document(segment.metadata().getString(TITLE_KEY), text);
        return task == null ? text : task.apply(text);
    }

    /** One batched Embedder call; the usage counts the tokens fed to the model. */
    private Response<List<Embedding>> embedPrompted(List<String> prompts) {
        Embedder.CountedEmbeddings result = embedder.embedCounted(prompts);
        List<Embedding> out = new ArrayList<>(result.vectors().length);
        for (float[] v : result.vectors()) out.add(Embedding.from(v));
        return Response.from(out, new TokenUsage(Math.toIntExact(result.tokens())));
    }

    /** Width of the vectors: the Matryoshka dimension when one is set. */
    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public String modelName() {
        return "embeddinggemma";
    }

    /** The prompt task used for segments (null: none). */
    public Task task() {
        return task;
    }

    public Embedder embedder() {
        return embedder;
    }

    /** Closes the Embedder when this model opened it (built with {@link #builder()}). */
    @Override
    public void close() {
        if (ownsEmbedder) embedder.close();
    }

    /** Opens a GGUF with the given settings; defaults as {@link Embedder.Options#defaults()}, task DOCUMENT. */
    public static final class Builder {
        private Path modelPath;
        private Embedder.Options options = Embedder.Options.defaults();
        private Task task = Task.DOCUMENT;

        private Builder() {}

        public Builder modelPath(Path p) { this.modelPath = p; return this; }
        public Builder threads(int n) { this.options = options.withThreads(n); return this; }
        /** Matryoshka output width (e.g. 768, 512, 256, 128); 0 for the model's full width. */
        public Builder dimension(int d) { this.options = options.withDimension(d); return this; }
        /** Prompt for segments (default DOCUMENT); null for none. Queries always use QUERY. */
        public Builder task(Task t) { this.task = t; return this; }
        public Builder backend(Backend b) { this.options = options.withBackend(b); return this; }
        /** Q8_0 product order, on both backends (null: the process default, else {@link Q8Order#BLOCK}). */
        public Builder q8Order(Q8Order o) { this.options = options.withQ8Order(o); return this; }
        public Builder maxBatchTokens(int n) { this.options = options.withMaxBatchTokens(n); return this; }

        /** Opens the model; it stays mapped until {@link EgemmaEmbeddingModel#close()}. */
        public EgemmaEmbeddingModel build() {
            Objects.requireNonNull(modelPath, "modelPath");
            try {
                return new EgemmaEmbeddingModel(Embedder.open(modelPath, options.withTask(null)), task, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + modelPath, e);
            }
        }
    }
}
