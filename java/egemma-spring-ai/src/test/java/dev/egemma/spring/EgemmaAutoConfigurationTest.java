// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import dev.egemma.testing.GoldenQuant;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EgemmaAutoConfigurationTest {
    private static final Embedder.Options OPTIONS = Embedder.Options.defaults().withThreads(2);
    private static final List<String> TEXTS = List.of("The cat sat on the mat.", "Quarterly revenue grew by twelve percent.");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EgemmaAutoConfiguration.class));

    static Path gguf() {
        String d = System.getProperty("egemma.testdata");
        Path p = (d != null ? Path.of(d) : Path.of("../../testdata")).resolve("golden/small-dense-q8_0.gguf");
        if (!Files.exists(p)) throw new IllegalStateException("missing test file " + p);
        return p;
    }

    @Test
    void onePropertyGivesAWorkingEmbeddingModelEqualToTheEmbedder() throws Exception {
        try (Embedder ref = Embedder.open(gguf(), OPTIONS.withTask(Task.DOCUMENT))) {
            float[][] want = ref.embed(TEXTS);
            int tokens = ref.tokenize(TEXTS.get(0)).length + ref.tokenize(TEXTS.get(1)).length;
            runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2").run(ctx -> {
                assertNull(ctx.getStartupFailure());
                EmbeddingModel m = ctx.getBean(EmbeddingModel.class);
                EmbeddingResponse r = m.embedForResponse(TEXTS);
                for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], r.getResults().get(i).getOutput());
                assertEquals(tokens, r.getMetadata().getUsage().getPromptTokens());
                assertEquals(ref.dimension(), m.dimensions());
                assertEquals(2, ctx.getBean(Embedder.class).options().threads());
            });
        }
    }

    @Test
    void dimensionsTaskAndTitleAreHonoured() throws Exception {
        try (Embedder query = Embedder.open(gguf(), OPTIONS.withDimension(16).withTask(Task.QUERY));
             Embedder plain = Embedder.open(gguf(), OPTIONS.withDimension(16))) {
            runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.dimensions=16",
                    "egemma.task=query").run(ctx -> {
                assertNull(ctx.getStartupFailure());
                EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
                assertEquals(16, m.dimensions());
                assertEquals(Task.QUERY, m.task());
                assertArrayEquals(query.embed(TEXTS.get(0)), m.embed(TEXTS.get(0)));
            });
            runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.dimensions=16").run(ctx -> {
                EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
                float[] got = m.embed(new Document("Paris is the capital of France.", Map.of("title", "Geography")));
                assertArrayEquals(plain.embed("title: Geography | text: Paris is the capital of France."), got);
                assertArrayEquals(query.embed("Where is Paris?"), m.embedQuery("Where is Paris?"));
                // the vector-store path: every document with its own title, in order
                List<float[]> batch = m.embed(List.of(new Document("Paris is the capital of France.", Map.of("title", "Geography")),
                        new Document("Rome is in Italy.")), EmbeddingOptions.builder().build(), docs -> List.of(docs));
                assertArrayEquals(got, batch.get(0));
                assertArrayEquals(plain.embed("title: none | text: Rome is in Italy."), batch.get(1));
            });
        }
    }

    /** Issue 24: a quantized file in Ollama's layout, its documents and queries within llama.cpp's bounds. */
    @Test
    void anOllamaQuantizedBlobEmbedsLikeLlamaCpp() {
        String blob = "q256-q4_k_m-ollama";
        runner.withPropertyValues("egemma.model-path=" + GoldenQuant.model(blob), "egemma.threads=2").run(ctx -> {
            assertNull(ctx.getStartupFailure());
            EgemmaEmbeddingModel m = ctx.getBean(EgemmaEmbeddingModel.class);
            GoldenQuant.assertMatches(blob, GoldenQuant.DOCUMENT_PROMPTED, m.embed(new Document(GoldenQuant.DOCUMENT)));
            GoldenQuant.assertMatches(blob, GoldenQuant.QUERY_PROMPTED, m.embedQuery(GoldenQuant.QUERY));
        });
    }

    @Test
    void backendAndQ8OrderReachTheEmbedder() {
        // the current names and the old one (x86)
        for (String[] c : new String[][] {{"block", "BLOCK"}, {"llamacpp-x86", "X86"}, {"x86", "X86"}}) {
            runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.backend=java", "egemma.q8-order=" + c[0]).run(ctx -> {
                assertNull(ctx.getStartupFailure());
                Embedder.Options o = ctx.getBean(Embedder.class).options();
                assertEquals(Backend.JAVA, o.backend());
                assertEquals(Q8Order.valueOf(c[1]), o.q8Order(), c[0]);
            });
        }
        runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2").run(ctx ->
                assertNull(ctx.getBean(Embedder.class).options().q8Order(), "unset: the process default"));
        runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.q8-order=fast")
                .run(ctx -> assertNotNull(ctx.getStartupFailure()));
    }

    /** Unset, {@code egemma.q8-order} leaves the Q8_0 products in the block order (the process default), not llamacpp-x86. */
    @Test
    void theBlockOrderIsTheDefault() throws Exception {
        // the Embedder bean is opened unnormalized (the model normalizes per call): compare like with like
        Embedder.Options raw = OPTIONS.withNormalize(false);
        try (Embedder block = Embedder.open(gguf(), raw.withQ8Order(Q8Order.BLOCK)); Embedder x86 = Embedder.open(gguf(), raw.withQ8Order(Q8Order.X86))) {
            float[][] want = block.embed(TEXTS), llamaCpp = x86.embed(TEXTS);
            runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2").run(ctx -> {
                float[][] got = ctx.getBean(Embedder.class).embed(TEXTS);
                for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want[i], got[i], "text " + i);
                if (x86.backendName().endsWith("-x86")) assertFalse(java.util.Arrays.deepEquals(llamaCpp, got), "llamacpp-x86 ran");
            });
        }
    }

    @Test
    void noModelPathMeansNoBeans() {
        runner.run(ctx -> {
            assertNull(ctx.getStartupFailure());
            assertTrue(ctx.getBeansOfType(EmbeddingModel.class).isEmpty());
            assertTrue(ctx.getBeansOfType(Embedder.class).isEmpty());
        });
    }

    @Test
    void aMissingModelFileFailsTheContext() {
        runner.withPropertyValues("egemma.model-path=/nonexistent/model.gguf").run(ctx -> assertNotNull(ctx.getStartupFailure()));
    }

    @Test
    void anUnknownTaskFailsTheContext() {
        runner.withPropertyValues("egemma.model-path=" + gguf(), "egemma.threads=2", "egemma.task=poetry")
                .run(ctx -> assertNotNull(ctx.getStartupFailure()));
    }
}
