// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import dev.egemma.Embedder;
import dev.egemma.Task;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.List;
import java.util.Map;

import static dev.egemma.spring.EgemmaAutoConfigurationTest.gguf;
import static org.junit.jupiter.api.Assertions.*;

/** Issue 26 item 5: per-call task and dimensions on the one auto-configured model. */
class EgemmaEmbeddingOptionsTest {
    private static final Embedder.Options OPTIONS = Embedder.Options.defaults().withThreads(2);
    private static final List<String> TEXTS = List.of("The cat sat on the mat.", "Where does the train to Lyon go?");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EgemmaAutoConfiguration.class))
            .withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.dimensions=32");

    /** The vectors (bit for bit) and token count of an Embedder opened with that task and width. */
    private static void assertCore(Task task, int dimension, EmbeddingResponse got) throws Exception {
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withTask(task).withDimension(dimension))) {
            Embedder.CountedEmbeddings want = ref.embedCounted(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want.vectors()[i], got.getResults().get(i).getOutput(), task + "/" + dimension + " text " + i);
            assertEquals(want.tokens(), got.getMetadata().getUsage().getPromptTokens().longValue());
        }
    }

    @Test
    void perCallTaskAndDimensionsGiveTheCoreLibrarysBits() {
        runner.run(ctx -> {
            assertNull(ctx.getStartupFailure());
            EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
            for (int d : new int[] {8, 16, ctx.getBean(Embedder.class).dimension()}) {
                assertCore(Task.QUERY, d, m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(d, "query"))));
                assertCore(Task.CLASSIFICATION, d, m.call(new EmbeddingRequest(TEXTS, EgemmaEmbeddingOptions.task(Task.CLASSIFICATION).withDimensions(d))));
                assertCore(Task.DOCUMENT, d, m.call(new EmbeddingRequest(TEXTS, EmbeddingOptions.builder().dimensions(d).build())));
            }
            // the defaults (egemma.dimensions=32, task document) where a call leaves them out
            assertCore(Task.DOCUMENT, 32, m.call(new EmbeddingRequest(TEXTS, null)));
            assertCore(Task.QUERY, 32, m.call(new EmbeddingRequest(TEXTS, EgemmaEmbeddingOptions.task(Task.QUERY))));
            assertEquals(32, m.dimensions());
            EmbeddingResponse none = m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(16, "none")));
            try (Embedder ref = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
                assertArrayEquals(ref.embed(TEXTS.get(0)), none.getResults().get(0).getOutput(), "none: no prompt");
            }
        });
    }

    /** The vector-store path keeps titles and takes the same options. */
    @Test
    void documentsTakeTheOptionsToo() {
        runner.run(ctx -> {
            EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
            List<float[]> got = m.embed(List.of(new Document("Paris is the capital of France.", Map.of("title", "Geography"))),
                    new EgemmaEmbeddingOptions(16, null), docs -> List.of(docs));
            try (Embedder ref = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
                assertArrayEquals(ref.embed("title: Geography | text: Paris is the capital of France."), got.get(0));
            }
        });
    }

    @Test
    void badValuesAreClearIllegalArgumentExceptions() {
        runner.run(ctx -> {
            EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
            int width = ctx.getBean(Embedder.class).dimension();
            for (int d : new int[] {0, -1, width + 1}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(d, null))));
                assertTrue(e.getMessage().contains("dimensions must be 1.." + width), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> m.call(new EmbeddingRequest(TEXTS, EmbeddingOptions.builder().dimensions(d).build())));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(null, "poetry"))));
            assertTrue(e.getMessage().contains("unknown task 'poetry'"), e.getMessage());
        });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(EgemmaAutoConfiguration.class))
                .withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.dimensions=100000")
                .run(ctx -> assertNotNull(ctx.getStartupFailure()));
    }

    /** A normalizing Embedder bean of the user's keeps its width and says how to get others. */
    @Test
    void aNormalizingEmbedderKeepsItsWidth() throws Exception {
        try (Embedder e = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
            EgemmaEmbeddingModel m = new EgemmaEmbeddingModel(e, Task.QUERY);
            assertCore(Task.QUERY, 16, m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(16, null))));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> m.call(new EmbeddingRequest(TEXTS, new EgemmaEmbeddingOptions(8, null))));
            assertTrue(ex.getMessage().contains("withNormalize(false)"), ex.getMessage());
        }
    }
}
