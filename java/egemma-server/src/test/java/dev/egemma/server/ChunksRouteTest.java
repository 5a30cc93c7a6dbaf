// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Chunking;
import dev.egemma.Embedder;
import dev.egemma.Quantized;
import dev.egemma.Task;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /embed_chunks}: each input's chunks with their spans and the library's vectors (an Embedder opened with
 * the same task and width gives the same bits), late chunking too; bad options and over-long late inputs are clear 4xx.
 */
class ChunksRouteTest {
    static final String TEXT = "Embedding models are mostly fed document chunks of a few hundred tokens; late chunking lets "
            + "every chunk see its neighbours before it is pooled.";
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-q8_0"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(Duration.ofSeconds(5));
    }

    static JsonNode ok(String body) throws Exception {
        Reply r = post(server, "/embed_chunks", body);
        assertEquals(200, r.status(), r.raw().body());
        return r.json();
    }

    @Test
    void chunksHaveTheLibrarysSpansAndBits() throws Exception {
        for (boolean late : new boolean[] {false, true}) {
            JsonNode got = ok("{\"inputs\":[\"" + TEXT + "\",\"short\"],\"chunk_tokens\":8,\"chunk_overlap\":2,\"late_chunking\":" + late
                    + ",\"prompt_name\":\"document\",\"dimensions\":32}");
            assertEquals(2, got.size());
            try (Embedder e = Embedder.open(golden("small-dense-q8_0"), OPTIONS.withTask(Task.DOCUMENT).withDimension(32))) {
                List<Chunking.Chunk> want = e.embedChunks(TEXT, new Chunking(8, 2, late));
                assertEquals(want.size(), got.get(0).size());
                for (int j = 0; j < want.size(); j++) {
                    JsonNode c = got.get(0).get(j);
                    assertEquals(want.get(j).tokenFrom(), c.get("tokens").get(0).asInt());
                    assertEquals(want.get(j).tokenTo(), c.get("tokens").get(1).asInt());
                    assertEquals(want.get(j).charFrom(), c.get("chars").get(0).asInt());
                    assertEquals(want.get(j).charTo(), c.get("chars").get(1).asInt());
                    assertArrayEquals(want.get(j).vector(), floats(c.get("embedding")), "late " + late + ", chunk " + j);
                }
                assertArrayEquals(e.embedChunks("short", new Chunking(8, 2, late)).getFirst().vector(), floats(got.get(1).get(0).get("embedding")));
            }
        }
    }

    @Test
    void encodingsAndUnnormalizedVectors() throws Exception {
        JsonNode fl = ok("{\"inputs\":\"" + TEXT + "\",\"chunk_tokens\":16}");
        JsonNode i8 = ok("{\"inputs\":\"" + TEXT + "\",\"chunk_tokens\":16,\"encoding_format\":\"int8\"}");
        float[] v = floats(fl.get(0).get(0).get("embedding"));
        JsonNode q = i8.get(0).get(0).get("embedding");
        byte[] want = Quantized.int8(v);
        for (int k = 0; k < want.length; k++) assertEquals(want[k], q.get(k).intValue());
        float[] raw = floats(ok("{\"inputs\":\"" + TEXT + "\",\"chunk_tokens\":16,\"normalize\":false}").get(0).get(0).get("embedding"));
        double n = 0;
        for (float x : raw) n += x * x;
        assertTrue(Math.abs(Math.sqrt(n) - 1) > 1e-3, "normalize:false gives the pooled vector, norm " + Math.sqrt(n));
    }

    @Test
    void badRequestsAreClear4xx() throws Exception {
        for (String body : new String[] {
                "{\"inputs\":\"a\"}",                                            // chunk_tokens required
                "{\"inputs\":\"a\",\"chunk_tokens\":0}",
                "{\"inputs\":\"a\",\"chunk_tokens\":\"8\"}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"chunk_overlap\":8}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"chunk_overlap\":-1}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"late_chunking\":\"yes\"}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"dimensions\":65}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"normalize\":false,\"encoding_format\":\"int8\"}",
                "{\"inputs\":\"a\",\"chunk_tokens\":8,\"prompt_name\":\"nope\"}"}) {
            Reply r = post(server, "/embed_chunks", body);
            assertEquals(400, r.status(), body + ": " + r.raw().body());
            assertEquals("Validation", r.json().get("error_type").textValue(), body);
        }
        Reply tooLong = post(server, "/embed_chunks", "{\"inputs\":\"" + "word ".repeat(3000) + "\",\"chunk_tokens\":512,\"late_chunking\":true}");
        assertEquals(413, tooLong.status(), tooLong.raw().body());
        assertTrue(tooLong.json().get("error").textValue().contains("late chunking"), tooLong.raw().body());
        Reply separate = post(server, "/embed_chunks", "{\"inputs\":\"" + "word ".repeat(3000) + "\",\"chunk_tokens\":512,\"chunk_overlap\":64}");
        assertEquals(200, separate.status(), separate.raw().body());
        assertTrue(separate.json().get(0).size() >= 6);
    }
}
