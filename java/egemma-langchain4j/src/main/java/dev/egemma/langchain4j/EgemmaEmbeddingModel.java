// SPDX-License-Identifier: Apache-2.0
package dev.egemma.langchain4j;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.EmbeddingModelListenerUtils;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingParameter;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
 *
 * <p>Per request ({@link #embed(EmbeddingRequest)}, or {@link #embedAll(List, EmbeddingRequestParameters)} to keep
 * segment titles): {@code dimensions} (Matryoshka, 1 to the model's width), {@code inputType} (QUERY or DOCUMENT:
 * that task's prompt) and {@link #TASK} (any egemma task id; wins over the input type), all on the one loaded model.
 * A width differing from the {@link Embedder}'s needs it opened at full width without normalization, as
 * {@link #builder()} does ({@link Embedder#embedMatryoshka}). Listeners see every embed call, {@code embedAll} too.
 */
public final class EgemmaEmbeddingModel implements EmbeddingModel, AutoCloseable {
    /** Segment metadata key whose value is the document title in the document prompt. */
    public static final String TITLE_KEY = "title";

    /** Request parameter: an egemma task id ({@code query}, {@code document}, {@code classification}, ...). */
    public static final EmbeddingParameter<String> TASK = new EmbeddingParameter<>("task", String.class);

    private static final Set<EmbeddingParameter<?>> SUPPORTED =
            Set.of(EmbeddingRequestParameters.DIMENSIONS, EmbeddingRequestParameters.INPUT_TYPE, TASK);

    private final Embedder embedder;
    private final Task task;
    private final int dimension;
    private final boolean ownsEmbedder;
    private final List<EmbeddingModelListener> listeners;

    private EgemmaEmbeddingModel(Embedder embedder, Task task, int dimension, boolean ownsEmbedder, List<EmbeddingModelListener> listeners) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        // the adapter writes the prompt itself (titles, query view): an Embedder-level prompt would be applied twice
        if (embedder.options().task() != null)
            throw new IllegalArgumentException("the Embedder must be opened without a task (got "
                    + embedder.options().task().id() + "); give the task to the EgemmaEmbeddingModel instead");
        this.task = task;
        this.dimension = embedder.matryoshkaWidth(dimension == 0 ? embedder.dimension() : dimension);
        this.ownsEmbedder = ownsEmbedder;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * A model over an already opened {@link Embedder} (opened with no task); closing the model leaves it open.
     * Vectors have the Embedder's width; per-request widths need it opened at full width without normalization.
     *
     * @param embedder an open Embedder without a task
     * @param task prompt for segments; null embeds segment text as is
     * @return the model
     * @throws IllegalArgumentException if the Embedder was opened with a task
     */
    public static EgemmaEmbeddingModel of(Embedder embedder, Task task) {
        return new EgemmaEmbeddingModel(embedder, task, 0, false, List.of());
    }

    /**
     * A builder that opens a GGUF for the model.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A view embedding segments with {@link Task#QUERY}'s prompt on the same model (closing it does nothing).
     *
     * @return a model sharing this one's Embedder and width
     */
    public EgemmaEmbeddingModel queryModel() {
        return new EgemmaEmbeddingModel(embedder, Task.QUERY, dimension, false, listeners);
    }

    /**
     * The embedding of a search query ({@link Task#QUERY}'s prompt), with its token count.
     *
     * @param query the query text
     * @return the vector at this model's width, and the tokens fed to the model
     */
    public Response<Embedding> embedQuery(String query) {
        Response<List<Embedding>> r = embedPrompted(List.of(Task.QUERY.apply(query)), dimension);
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
        return embedAll(segments, EmbeddingRequestParameters.EMPTY);
    }

    /**
     * {@link #embedAll(List)} with per-request parameters over this model's defaults; unlike an
     * {@link EmbeddingRequest} (text only) it keeps each segment's {@value #TITLE_KEY} for the document prompt.
     *
     * @param segments   the segments; a segment's {@value #TITLE_KEY} metadata is its title for the document prompt
     * @param parameters dimensions, input type or {@link #TASK}; unset ones take this model's
     * @return one vector per segment, in order, and the tokens fed to the model
     * @throws IllegalArgumentException for dimensions outside 1..the model's width or an unknown task
     */
    public Response<List<Embedding>> embedAll(List<TextSegment> segments, EmbeddingRequestParameters parameters) {
        return EmbeddingModelListenerUtils.withListeners(this, segments, () -> embed(segments, parameters));
    }

    /**
     * What {@link #embed(EmbeddingRequest)} runs after merging {@link #defaultRequestParameters()} and checking
     * that only {@link #supportedParameters()} are present (and calling the listeners).
     */
    @Override
    public EmbeddingResponse doEmbed(EmbeddingRequest request) {
        List<TextSegment> segments = new ArrayList<>(request.inputs().size());
        for (EmbeddingInput in : request.inputs()) segments.add(TextSegment.from(in.text()));
        Response<List<Embedding>> r = embed(segments, request.parameters() == null ? EmbeddingRequestParameters.EMPTY : request.parameters());
        return EmbeddingResponse.builder().embeddings(r.content())
                .metadata(EmbeddingResponseMetadata.builder().modelName(modelName()).tokenUsage(r.tokenUsage()).build()).build();
    }

    @Override
    public Set<EmbeddingParameter<?>> supportedParameters() {
        return SUPPORTED;
    }

    /** This model's width and, when its task is QUERY or DOCUMENT, that input type (other tasks have none). */
    @Override
    public EmbeddingRequestParameters defaultRequestParameters() {
        EmbeddingInputType type = task == Task.QUERY ? EmbeddingInputType.QUERY : task == Task.DOCUMENT ? EmbeddingInputType.DOCUMENT : null;
        return EmbeddingRequestParameters.builder().dimensions(dimension).inputType(type).build();
    }

    @Override
    public List<EmbeddingModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Segments with a request's task and width, each falling back to this model's. */
    private Response<List<Embedding>> embed(List<TextSegment> segments, EmbeddingRequestParameters p) {
        Task t = task(p);
        int d = p.dimensions() == null ? dimension : embedder.matryoshkaWidth(p.dimensions());
        List<String> prompts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) prompts.add(prompt(t, s));
        return embedPrompted(prompts, d);
    }

    /** A request's task: {@link #TASK} if given, else its input type's, else this model's. */
    private Task task(EmbeddingRequestParameters p) {
        String id = p.parameter(TASK);
        if (id != null) return Task.parse(id);
        if (p.inputType() != null) return p.inputType() == EmbeddingInputType.QUERY ? Task.QUERY : Task.DOCUMENT;
        return task;
    }

    /**
     * The text fed to the model for {@code segment}: this model's task prompt, with the title for documents.
     *
     * @param segment a segment
     * @return its text with this model's prompt (unchanged when the task is null)
     */
    public String prompt(TextSegment segment) {
        return prompt(task, segment);
    }

    private static String prompt(Task task, TextSegment segment) {
        String text = segment.text();
        if (task == Task.DOCUMENT) return Task.document(segment.metadata().getString(TITLE_KEY), text);
        return task == null ? text : task.apply(text);
    }

    /** One batched Embedder call at width {@code d}; the usage counts the tokens fed to the model. */
    private Response<List<Embedding>> embedPrompted(List<String> prompts, int d) {
        Embedder.CountedEmbeddings result = embedder.embedMatryoshka(prompts, d);
        List<Embedding> out = new ArrayList<>(result.vectors().length);
        for (float[] v : result.vectors()) out.add(Embedding.from(v));
        return Response.from(out, new TokenUsage(Math.toIntExact(result.tokens())));
    }

    /** Width of the vectors (unless a request asks another): the Matryoshka dimension when one is set. */
    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String modelName() {
        return "embeddinggemma";
    }

    /**
     * The prompt task used for segments (null: none).
     *
     * @return the task, or null
     */
    public Task task() {
        return task;
    }

    /**
     * The loaded model; opened by {@link #builder()} at full width without normalization (this model cuts and normalizes).
     *
     * @return the Embedder this model runs on
     */
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
        private int dimension;
        private final List<EmbeddingModelListener> listeners = new ArrayList<>();

        private Builder() {}

        /**
         * The model file to open (required).
         *
         * @param p a gemma-embedding GGUF
         * @return this builder
         */
        public Builder modelPath(Path p) { this.modelPath = p; return this; }
        /**
         * Compute threads (default: all available processors).
         *
         * @param n threads, 1..{@link Embedder.Options#maxThreads()}
         * @return this builder
         */
        public Builder threads(int n) { this.options = options.withThreads(n); return this; }
        /**
         * Default Matryoshka output width (e.g. 768, 512, 256, 128); 0 for the model's full width.
         *
         * @param d the width, or 0
         * @return this builder
         */
        public Builder dimension(int d) { this.dimension = d; return this; }
        /**
         * Called on every embed request ({@link #embed(EmbeddingRequest)}, {@code embedAll}, ...).
         *
         * @param l the listener, not null
         * @return this builder
         */
        public Builder listener(EmbeddingModelListener l) { this.listeners.add(Objects.requireNonNull(l)); return this; }
        /**
         * Prompt for segments (default DOCUMENT); null for none. Queries always use QUERY.
         *
         * @param t the task, or null
         * @return this builder
         */
        public Builder task(Task t) { this.task = t; return this; }
        /**
         * Kernels to run on (default AUTO).
         *
         * @param b the backend
         * @return this builder
         */
        public Builder backend(Backend b) { this.options = options.withBackend(b); return this; }
        /**
         * Q8_0 product order, on both backends (null: the process default, else {@link Q8Order#BLOCK}).
         *
         * @param o the order, or null
         * @return this builder
         */
        public Builder q8Order(Q8Order o) { this.options = options.withQ8Order(o); return this; }
        /**
         * Token budget of one batched forward pass (default 1024).
         *
         * @param n tokens, &gt;= 1
         * @return this builder
         */
        public Builder maxBatchTokens(int n) { this.options = options.withMaxBatchTokens(n); return this; }

        /**
         * Opens the model; it stays mapped until {@link EgemmaEmbeddingModel#close()}.
         *
         * @return the model, which owns the Embedder and closes it
         * @throws NullPointerException     if no model path was set
         * @throws IllegalArgumentException if a setting is invalid
         * @throws java.io.UncheckedIOException if the file cannot be read
         */
        public EgemmaEmbeddingModel build() {
            Objects.requireNonNull(modelPath, "modelPath");
            if (dimension < 0) throw new IllegalArgumentException("dimension must be >= 0 (0 = full), got " + dimension);
            Embedder e;
            try {
                // full width, unnormalized: embedMatryoshka cuts and normalizes per request, so one model serves every width
                e = Embedder.open(modelPath, options.withTask(null).withDimension(0).withNormalize(false));
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot open " + modelPath, ex);
            }
            try {
                return new EgemmaEmbeddingModel(e, task, dimension, true, listeners);
            } catch (RuntimeException ex) { // a dimension above the model's width
                e.close();
                throw ex;
            }
        }
    }
}
