// SPDX-License-Identifier: Apache-2.0
package dev.egemma.langchain4j;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import dev.egemma.testing.GoldenQuant;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EgemmaEmbeddingModelTest {
    private static final Embedder.Options OPTIONS = Embedder.Options.defaults().withThreads(2);
    private static final List<String> TEXTS = List.of(
            "The cat sat on the mat.",
            "Quarterly revenue grew by twelve percent.",
            "Photosynthesis turns light into chemical energy.",
            "The train to Lyon leaves at nine.");

    private static EgemmaEmbeddingModel model;

    static Path gguf() {
        String d = System.getProperty("egemma.testdata");
        Path p = (d != null ? Path.of(d) : Path.of("../../testdata")).resolve("golden/small-dense-q8_0.gguf");
        if (!Files.exists(p)) throw new IllegalStateException("missing test file " + p);
        return p;
    }

    @BeforeAll
    static void open() {
        model = EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<TextSegment> segments() {
        return TEXTS.stream().map(TextSegment::from).toList();
    }

    @Test
    void segmentsEqualEmbedderDocumentEmbeddingsWithRealTokenCounts() throws Exception {
        Response<List<Embedding>> r = model.embedAll(segments());
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withTask(Task.DOCUMENT))) {
            float[][] want = ref.embed(TEXTS);
            assertEquals(want.length, r.content().size());
            int tokens = 0;
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals(want[i], r.content().get(i).vector(), "segment " + i);
                tokens += ref.tokenize(TEXTS.get(i)).length;
            }
            assertEquals(tokens, r.tokenUsage().inputTokenCount());
            assertEquals(ref.dimension(), model.dimension());
        }
    }

    @Test
    void titleMetadataGoesIntoTheDocumentPrompt() throws Exception {
        TextSegment s = TextSegment.from("Paris is the capital of France.", Metadata.from(EgemmaEmbeddingModel.TITLE_KEY, "Geography"));
        assertEquals("title: Geography | text: Paris is the capital of France.", model.prompt(s));
        float[] got = model.embed(s).content().vector();
        try (Embedder ref = Embedder.open(gguf(), OPTIONS)) {
            assertArrayEquals(ref.embed("title: Geography | text: Paris is the capital of France."), got);
            assertFalse(java.util.Arrays.equals(ref.embed("title: none | text: Paris is the capital of France."), got));
        }
    }

    @Test
    void queriesUseTheQueryPrompt() throws Exception {
        String q = "Where does the train go?";
        Response<Embedding> r = model.embedQuery(q);
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withTask(Task.QUERY))) {
            assertArrayEquals(ref.embed(q), r.content().vector());
            assertEquals(ref.tokenize(q).length, r.tokenUsage().inputTokenCount());
            assertArrayEquals(ref.embed(q), model.queryModel().embed(q).content().vector());
        }
    }

    @Test
    void inMemoryStoreRoundTrip() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        List<TextSegment> segs = segments();
        List<Embedding> stored = model.embedAll(segs).content();
        store.addAll(stored, segs);

        // a stored document finds itself
        for (int i = 0; i < segs.size(); i++) {
            EmbeddingMatch<TextSegment> top = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(stored.get(i)).maxResults(1).build()).matches().get(0);
            assertEquals(segs.get(i).text(), top.embedded().text());
            assertEquals(1.0, top.score(), 1e-5);
        }

        // a query finds the document with the largest dot product (vectors are unit length)
        float[] q = model.embedQuery("a cat on a mat").content().vector();
        int best = -1;
        double bestDot = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < stored.size(); i++) {
            double dot = 0;
            float[] v = stored.get(i).vector();
            for (int k = 0; k < v.length; k++) dot += (double) q[k] * v[k];
            if (dot > bestDot) { bestDot = dot; best = i; }
        }
        List<EmbeddingMatch<TextSegment>> matches = store.search(EmbeddingSearchRequest.builder()
                .queryEmbedding(Embedding.from(q)).maxResults(segs.size()).build()).matches();
        assertEquals(segs.size(), matches.size());
        assertEquals(segs.get(best).text(), matches.get(0).embedded().text());
    }

    @Test
    void matryoshkaDimensionIsHonoured() throws Exception {
        try (EgemmaEmbeddingModel small = EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).dimension(16).build();
             Embedder ref = Embedder.open(gguf(), OPTIONS.withDimension(16).withTask(Task.DOCUMENT))) {
            assertEquals(16, small.dimension());
            List<Embedding> got = small.embedAll(segments()).content();
            float[][] want = ref.embed(TEXTS);
            for (int i = 0; i < want.length; i++) {
                assertEquals(16, got.get(i).dimension());
                assertArrayEquals(want[i], got.get(i).vector());
            }
        }
    }

    /** Issue 24: a quantized file (Q4_K_M, with Q6_K, Q5_0 and Q8_0 tensors), its documents and queries within llama.cpp's bounds. */
    @Test
    void aQuantizedFileEmbedsLikeLlamaCpp() {
        String file = "q256-q4_k_m";
        try (EgemmaEmbeddingModel q = EgemmaEmbeddingModel.builder().modelPath(GoldenQuant.model(file)).threads(2).build()) {
            GoldenQuant.assertMatches(file, GoldenQuant.DOCUMENT_PROMPTED, q.embed(TextSegment.from(GoldenQuant.DOCUMENT)).content().vector());
            GoldenQuant.assertMatches(file, GoldenQuant.QUERY_PROMPTED, q.embedQuery(GoldenQuant.QUERY).content().vector());
        }
    }

    @Test
    void builderPassesBackendAndQ8Order() {
        try (EgemmaEmbeddingModel m = EgemmaEmbeddingModel.builder().modelPath(gguf()).threads(2).backend(Backend.JAVA).q8Order(Q8Order.BLOCK).build()) {
            assertEquals(Backend.JAVA, m.embedder().options().backend());
            assertEquals(Q8Order.BLOCK, m.embedder().options().q8Order());
        }
        assertNull(model.embedder().options().q8Order(), "unset: the process default");
    }

    /** Unset, the Q8_0 products run in the block order (the process default), not llamacpp-x86. */
    @Test
    void theBlockOrderIsTheDefault() throws Exception {
        List<String> texts = List.of("The cat sat on the mat.", "Quarterly revenue grew by twelve percent.");
        // the builder's Embedder is opened unnormalized (the model normalizes per request): compare like with like
        Embedder.Options rawOptions = OPTIONS.withNormalize(false);
        try (Embedder block = Embedder.open(gguf(), rawOptions.withQ8Order(Q8Order.BLOCK)); Embedder x86 = Embedder.open(gguf(), rawOptions.withQ8Order(Q8Order.X86))) {
            float[][] want = block.embed(texts), got = model.embedder().embed(texts);
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(want[i], got[i], "text " + i);
            if (x86.backendName().endsWith("-x86")) assertFalse(java.util.Arrays.deepEquals(x86.embed(texts), got), "llamacpp-x86 ran");
        }
    }

    @Test
    void rejectsAnEmbedderThatAlreadyAppliesAPrompt() throws Exception {
        try (Embedder prompted = Embedder.open(gguf(), OPTIONS.withTask(Task.QUERY))) {
            assertThrows(IllegalArgumentException.class, () -> EgemmaEmbeddingModel.of(prompted, Task.DOCUMENT));
        }
    }

    @Test
    void emptyInputGivesNoEmbeddingsAndNoTokens() {
        Response<List<Embedding>> r = model.embedAll(List.of());
        assertTrue(r.content().isEmpty());
        assertEquals(0, r.tokenUsage().inputTokenCount());
    }
}
