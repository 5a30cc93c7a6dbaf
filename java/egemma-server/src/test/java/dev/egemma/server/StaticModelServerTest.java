// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Task;
import dev.egemma.staticembed.Distiller;
import dev.egemma.staticembed.StaticEmbedder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A distilled EMB8 table served next to a GGUF model ({@code gemma-static=x.emb8}): requests naming it get the
 * {@link StaticEmbedder}'s vectors (computed the same way, so bit for bit), the others the transformer's.
 */
class StaticModelServerTest {
    static final int DIM = 16;
    @TempDir
    static Path dir;
    static Path emb8;
    static EmbeddingServer server;
    static StaticEmbedder reference;

    @BeforeAll
    static void start() throws Exception {
        emb8 = dir.resolve("small.emb8");
        Distiller.distillToFile(golden("small-f32"), emb8, Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(DIM));
        reference = StaticEmbedder.open(emb8);
        Map<String, EmbeddingModelHandle> models = new LinkedHashMap<>();
        models.put("gemma", ModelHandles.open(golden("small-f32"), OPTIONS));
        ModelSpec spec = ModelSpec.parse("gemma-static=" + emb8);
        models.put(spec.name(), ModelHandles.open(spec.path(), OPTIONS));
        server = serve(config(Limits.defaults(), null), models);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(java.time.Duration.ofSeconds(5));
        if (reference != null) reference.close();
    }

    @Test
    void theFileKindPicksTheHandle() throws Exception {
        try (EmbeddingModelHandle s = ModelHandles.open(emb8, OPTIONS); EmbeddingModelHandle g = ModelHandles.open(golden("small-f32"), OPTIONS)) {
            assertInstanceOf(StaticEmbedderHandle.class, s);
            assertInstanceOf(EmbedderHandle.class, g);
        }
        assertEquals("small", ModelSpec.parse(emb8.toString()).name());
    }

    @Test
    void openAiTextsGetTheStaticVectors() throws Exception {
        List<String> texts = List.of("The quick brown fox", "ünïcødé ✓ 日本語", "");
        String input = Json.MAPPER.writeValueAsString(texts);
        Reply r = post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":" + input + "}");
        assertEquals(200, r.status(), r.raw().body());
        assertEquals("gemma-static", r.json().get("model").textValue());
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] got = floats(r.json().get("data").get(i).get("embedding"));
            assertEquals(DIM, got.length);
            assertArrayEquals(reference.embed(texts.get(i)), got, "text " + i);
            tokens += reference.tokenize(texts.get(i)).length;
        }
        assertEquals(tokens, r.json().get("usage").get("prompt_tokens").longValue());
        // the GGUF model next to it still answers with its own (wider) vectors
        Reply g = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"The quick brown fox\"}");
        assertNotEquals(DIM, g.json().get("data").get(0).get("embedding").size());
    }

    @Test
    void tokenIdsTaskDimensionsAndOllama() throws Exception {
        int[] ids = reference.tokenize("hello static world");
        Reply t = post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":" + Arrays.toString(ids) + "}");
        assertArrayEquals(reference.embedSequence(ids, true), floats(t.json().get("data").get(0).get("embedding")));

        Reply q = post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":\"capital of France\",\"task\":\"query\"}");
        assertArrayEquals(reference.embed(Task.QUERY.apply("capital of France")), floats(q.json().get("data").get(0).get("embedding")));

        Reply d = post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":\"abc def\",\"dimensions\":8}");
        float[] want = EmbeddingService.matryoshka(new float[][] {reference.embed("abc def")}, 8)[0];
        assertArrayEquals(want, floats(d.json().get("data").get(0).get("embedding")));

        Reply o = post(server, "/api/embed", "{\"model\":\"gemma-static\",\"input\":[\"one\",\"two words\"]}");
        assertEquals(200, o.status(), o.raw().body());
        assertArrayEquals(reference.embed("two words"), floats(o.json().get("embeddings").get(1)));
    }

    @Test
    void widerThanTheTableAndBadTokenIdsAreClientErrors() throws Exception {
        assertError(post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":\"x\",\"dimensions\":" + (DIM + 1) + "}"), 400, "width " + DIM);
        int vocab = reference.file().vocabSize();
        assertError(post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":[2," + vocab + ",1]}"), 400, "vocabulary size " + vocab);
        assertError(post(server, "/v1/embeddings", "{\"model\":\"gemma-static\",\"input\":[2,-1,1]}"), 400, "non-negative");
    }

    @Test
    void modelsListsTheStaticWidth() throws Exception {
        JsonNode data = get(server, "/v1/models", null).json().get("data");
        assertEquals("gemma-static", data.get(1).get("id").textValue());
        assertEquals(DIM, data.get(1).get("dimensions").intValue());
    }
}
