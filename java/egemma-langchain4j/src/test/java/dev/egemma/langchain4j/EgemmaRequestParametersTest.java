// SPDX-License-Identifier: Apache-2.0
package dev.egemma.langchain4j;

import dev.egemma.Embedder;
import dev.egemma.Task;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.listener.EmbeddingModelErrorContext;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.langchain4j.model.embedding.listener.EmbeddingModelRequestContext;
import dev.langchain4j.model.embedding.listener.EmbeddingModelResponseContext;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.egemma.langchain4j.EgemmaEmbeddingModelTest.gguf;
import static org.junit.jupiter.api.Assertions.*;

/** Issue 26 item 5: langchain4j's per-request parameters and listeners, on one loaded model. */
class EgemmaRequestParametersTest {
    private static final Embedder.Options OPTIONS = Embedder.Options.defaults().withThreads(2);
    private static final List<String> TEXTS = List.of("The cat sat on the mat.", "Where does the train to Lyon go?");
    private static final List<String> EVENTS = new ArrayList<>();

    private static EgemmaEmbeddingModel model;

    @BeforeAll
    static void open() {
        model = EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).listener(new EmbeddingModelListener() {
            @Override public void onRequest(EmbeddingModelRequestContext c) { EVENTS.add("request " + c.textSegments().size()); }
            @Override public void onResponse(EmbeddingModelResponseContext c) { EVENTS.add("response " + c.response().content().size()); }
            @Override public void onError(EmbeddingModelErrorContext c) { EVENTS.add("error " + c.error().getClass().getSimpleName()); }
        }).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static EmbeddingRequest request(EmbeddingInputType type, Integer dimensions) {
        return EmbeddingRequest.builder().inputs(TEXTS.toArray(String[]::new)).inputType(type).dimensions(dimensions).build();
    }

    /** The vectors (bit for bit) and token count of an Embedder opened with that task and width. */
    private static void assertCore(Task task, int dimension, List<Embedding> got, int tokens) throws Exception {
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withTask(task).withDimension(dimension))) {
            Embedder.CountedEmbeddings want = ref.embedCounted(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want.vectors()[i], got.get(i).vector(), task + "/" + dimension + " text " + i);
            assertEquals(want.tokens(), tokens);
        }
    }

    @Test
    void requestTaskAndDimensionsGiveTheCoreLibrarysBits() throws Exception {
        for (int d : new int[] {16, 32, model.embedder().dimension()}) {
            EmbeddingResponse q = model.embed(request(EmbeddingInputType.QUERY, d));
            assertCore(Task.QUERY, d, q.embeddings(), q.tokenUsage().inputTokenCount());
            EmbeddingResponse doc = model.embed(request(EmbeddingInputType.DOCUMENT, d));
            assertCore(Task.DOCUMENT, d, doc.embeddings(), doc.tokenUsage().inputTokenCount());
        }
        EmbeddingResponse c = model.embed(EmbeddingRequest.builder().inputs(TEXTS.toArray(String[]::new)).parameters(
                EmbeddingRequestParameters.builder().set(EgemmaEmbeddingModel.TASK, "classification").inputType(EmbeddingInputType.QUERY).dimensions(8).build()).build());
        assertCore(Task.CLASSIFICATION, 8, c.embeddings(), c.tokenUsage().inputTokenCount()); // the task wins over the input type
    }

    @Test
    void defaultsAreTheModelsTaskAndWidth() throws Exception {
        assertEquals(Set.of(EmbeddingRequestParameters.DIMENSIONS, EmbeddingRequestParameters.INPUT_TYPE, EgemmaEmbeddingModel.TASK), model.supportedParameters());
        assertEquals(model.dimension(), model.defaultRequestParameters().dimensions());
        assertEquals(EmbeddingInputType.DOCUMENT, model.defaultRequestParameters().inputType());
        EmbeddingResponse r = model.embed(request(null, null));
        assertCore(Task.DOCUMENT, 0, r.embeddings(), r.tokenUsage().inputTokenCount());
        assertEquals(EmbeddingInputType.QUERY, model.queryModel().defaultRequestParameters().inputType());
        try (EgemmaEmbeddingModel small = EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).dimension(16).build()) {
            EmbeddingResponse s = small.embed(request(EmbeddingInputType.QUERY, null));
            assertCore(Task.QUERY, 16, s.embeddings(), s.tokenUsage().inputTokenCount());
            var docs = small.embedAll(TEXTS.stream().map(TextSegment::from).toList());
            assertCore(Task.DOCUMENT, 16, docs.content(), docs.tokenUsage().inputTokenCount());
        }
    }

    @Test
    void embedAllWithParametersKeepsTitles() throws Exception {
        TextSegment s = TextSegment.from("Paris is the capital of France.", Metadata.from(EgemmaEmbeddingModel.TITLE_KEY, "Geography"));
        float[] got = model.embedAll(List.of(s), EmbeddingRequestParameters.builder().dimensions(16).build()).content().get(0).vector();
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
            assertArrayEquals(ref.embed("title: Geography | text: Paris is the capital of France."), got);
        }
    }

    @Test
    void badValuesAreClearIllegalArgumentExceptions() {
        int width = model.embedder().dimension();
        for (int d : new int[] {0, -3, width + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.embed(request(null, d)));
            assertTrue(e.getMessage().contains("dimensions must be 1.." + width), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.embedAll(List.of(TextSegment.from("x")), EmbeddingRequestParameters.builder().dimensions(d).build()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.embed(EmbeddingRequest.builder().input("x")
                .parameters(EmbeddingRequestParameters.builder().set(EgemmaEmbeddingModel.TASK, "summarize").build()).build()));
        assertTrue(e.getMessage().contains("unknown task 'summarize'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).dimension(width + 1).build());
    }

    /** A normalizing Embedder (opened by the caller) gives only its own width, and says how to get others. */
    @Test
    void aNormalizingEmbedderKeepsItsWidth() throws Exception {
        try (Embedder e = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
            EgemmaEmbeddingModel m = EgemmaEmbeddingModel.of(e, Task.QUERY);
            EmbeddingResponse r = m.embed(request(null, 16));
            assertCore(Task.QUERY, 16, r.embeddings(), r.tokenUsage().inputTokenCount());
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> m.embed(request(null, 8)));
            assertTrue(ex.getMessage().contains("withNormalize(false)"), ex.getMessage());
        }
    }

    @Test
    void listenersSeeEveryCall() {
        EVENTS.clear();
        model.embedAll(List.of(TextSegment.from("a"), TextSegment.from("b")));
        model.embed(request(EmbeddingInputType.QUERY, 16));
        assertThrows(IllegalArgumentException.class, () -> model.embed(request(null, 0)));
        assertEquals(List.of("request 2", "response 2", "request 2", "response 2", "request 2", "error IllegalArgumentException"), EVENTS);
    }
}
