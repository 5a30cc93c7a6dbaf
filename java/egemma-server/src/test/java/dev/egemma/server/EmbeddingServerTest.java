// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every route's success path, checked against the library's own embeddings of the same inputs. */
class EmbeddingServerTest {
    private static final double TOL = 1e-6; // F32 model: batching and JIT may move the last bits
    private static EmbeddingServer server;
    private static Embedder f32;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32", "gemma-q8", "small-dense-q8_0"));
        f32 = Embedder.open(golden("small-dense-f32"), OPTIONS);
        warmUp(f32);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(java.time.Duration.ofSeconds(5));
        if (f32 != null) f32.close();
    }

    @Test
    void openAiSingleStringMatchesTheLibrary() throws Exception {
        Reply r = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"The quick brown fox\"}");
        assertEquals(200, r.status(), r.raw().body());
        JsonNode j = r.json();
        assertEquals("list", j.get("object").textValue());
        assertEquals("gemma", j.get("model").textValue());
        assertEquals(1, j.get("data").size());
        JsonNode d = j.get("data").get(0);
        assertEquals("embedding", d.get("object").textValue());
        assertEquals(0, d.get("index").intValue());
        assertClose(f32.embed("The quick brown fox"), floats(d.get("embedding")), TOL, "embedding");
        int tokens = f32.tokenize("The quick brown fox").length;
        assertEquals(tokens, j.get("usage").get("prompt_tokens").intValue());
        assertEquals(tokens, j.get("usage").get("total_tokens").intValue());
    }

    @Test
    void openAiAllFourInputShapes() throws Exception {
        List<String> texts = List.of("first text", "a second, longer text with more words in it", "ünïcødé ✓ 日本語");
        float[][] want = f32.embed(texts);
        String strings = texts.stream().map(t -> Json.MAPPER.valueToTree(t).toString()).collect(Collectors.joining(",", "[", "]"));
        JsonNode a = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":" + strings + "}").json();
        int[][] ids = texts.stream().map(f32::tokenize).toArray(int[][]::new);
        JsonNode b = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":" + Json.MAPPER.writeValueAsString(ids) + "}").json();
        JsonNode c = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":" + Arrays.toString(ids[1]) + "}").json();
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, a.get("data").get(i).get("index").intValue());
            assertClose(want[i], floats(a.get("data").get(i).get("embedding")), TOL, "strings " + i);
            assertClose(want[i], floats(b.get("data").get(i).get("embedding")), TOL, "token lists " + i);
        }
        assertEquals(1, c.get("data").size());
        assertClose(want[1], floats(c.get("data").get(0).get("embedding")), TOL, "one token list");
        assertEquals(Arrays.stream(ids).mapToInt(x -> x.length).sum(), b.get("usage").get("prompt_tokens").intValue());
    }

    @Test
    void base64RoundTripsTheFloatVectors() throws Exception {
        String req = "{\"model\":\"gemma\",\"input\":[\"alpha\",\"beta gamma\"],\"encoding_format\":\"%s\"}";
        JsonNode fl = post(server, "/v1/embeddings", req.formatted("float")).json();
        JsonNode b64 = post(server, "/v1/embeddings", req.formatted("base64")).json();
        for (int i = 0; i < 2; i++) {
            byte[] raw = Base64.getDecoder().decode(b64.get("data").get(i).get("embedding").textValue());
            assertEquals(f32.dimension() * 4, raw.length);
            float[] v = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            assertClose(floats(fl.get("data").get(i).get("embedding")), v, TOL, "base64 " + i);
        }
        // the encoding itself is exact: little-endian float32, bit for bit
        float[] x = {1.5f, -0.0f, Float.MIN_VALUE, 0.1f, Float.NaN};
        byte[] raw = Base64.getDecoder().decode(VectorFormat.base64(x));
        float[] back = new float[x.length];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
        for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(back[i]));
    }

    @Test
    void dimensionsAndTaskMatchTheLibraryOptions() throws Exception {
        JsonNode j = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"matryoshka\",\"dimensions\":32,\"task\":\"query\"}").json();
        float[] got = floats(j.get("data").get(0).get("embedding"));
        float[] full = f32.embed(Task.QUERY.apply("matryoshka"));
        assertClose(EmbeddingService.matryoshka(new float[][] {full}, 32)[0], got, TOL, "dimensions 32 + task query");
        try (Embedder e = Embedder.open(golden("small-dense-f32"), OPTIONS.withDimension(32).withTask(Task.QUERY))) {
            // a fresh instance's first forward pass runs unJITted kernels whose Vector API reductions sum in another
            // order, hence the looser bound against it
            assertClose(e.embed("matryoshka"), got, 1e-4, "library with dimension 32 and task query");
            assertEquals(e.tokenize("matryoshka").length, j.get("usage").get("prompt_tokens").intValue());
        }
        double n = 0;
        for (float v : got) n += v * v;
        assertEquals(1.0, n, 1e-5);
    }

    @Test
    void modelsAreChosenByName() throws Exception {
        JsonNode q = post(server, "/v1/embeddings", "{\"model\":\"gemma-q8\",\"input\":\"same text\"}").json();
        JsonNode f = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"same text\"}").json();
        assertEquals("gemma-q8", q.get("model").textValue());
        float[] a = floats(q.get("data").get(0).get("embedding")), b = floats(f.get("data").get(0).get("embedding"));
        assertTrue(!Arrays.equals(a, b), "the Q8_0 and F32 models must give (slightly) different vectors");
        try (Embedder e = Embedder.open(golden("small-dense-q8_0"), OPTIONS)) {
            assertClose(e.embed("same text"), a, 1e-6, "q8 model");
        }
    }

    /** A Q8_0 model opened with default options is served in the block order (the same bits as the native backend's), not llamacpp-x86. */
    @Test
    void q8_0ModelsAreServedInTheBlockOrderByDefault() throws Exception {
        String text = "The quick brown fox jumps over the lazy dog.";
        JsonNode q = post(server, "/v1/embeddings", "{\"model\":\"gemma-q8\",\"input\":\"" + text + "\"}").json();
        float[] served = floats(q.get("data").get(0).get("embedding"));
        try (Embedder block = Embedder.open(golden("small-dense-q8_0"), OPTIONS.withQ8Order(Q8Order.BLOCK));
             Embedder x86 = Embedder.open(golden("small-dense-q8_0"), OPTIONS.withQ8Order(Q8Order.X86))) {
            assertClose(block.embed(text), served, 0, "served in the block order");
            assertFalse(Arrays.equals(x86.embed(text), served), "served in the llamacpp-x86 order");
        }
    }

    @Test
    void ollamaEmbed() throws Exception {
        Reply r = post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[\"why is the sky blue?\",\"because\"]}");
        assertEquals(200, r.status(), r.raw().body());
        JsonNode j = r.json();
        assertEquals("gemma", j.get("model").textValue());
        float[][] want = f32.embed(List.of("why is the sky blue?", "because"));
        for (int i = 0; i < 2; i++) assertClose(want[i], floats(j.get("embeddings").get(i)), TOL, "ollama " + i);
        assertEquals(f32.tokenize("why is the sky blue?").length + f32.tokenize("because").length, j.get("prompt_eval_count").intValue());
        assertTrue(j.get("total_duration").longValue() > 0);
        assertTrue(j.has("load_duration"));
        JsonNode one = post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":\"because\",\"dimensions\":16,\"truncate\":true}").json();
        assertEquals(1, one.get("embeddings").size());
        assertEquals(16, one.get("embeddings").get(0).size());
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode m = get(server, "/v1/models", null).json();
        assertEquals("list", m.get("object").textValue());
        assertEquals(List.of("gemma", "gemma-q8"), m.get("data").findValuesAsText("id"));
        assertEquals(f32.dimension(), m.get("data").get(0).get("dimensions").intValue());
        assertEquals("model", m.get("data").get(1).get("object").textValue());

        Reply h = get(server, "/health", null);
        assertEquals(200, h.status());
        assertEquals("ok", h.json().get("status").textValue());

        int tokens = f32.tokenize("metrics text").length;
        String before = get(server, "/metrics", null).raw().body();
        post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"metrics text\"}");
        post(server, "/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}");
        Reply r = get(server, "/metrics", null);
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("text/plain; version=0.0.4"), r.header("Content-Type"));
        String after = r.raw().body();
        String ok = "egemma_http_requests_total{route=\"/v1/embeddings\",status=\"200\"}";
        String notFound = "egemma_http_requests_total{route=\"/v1/embeddings\",status=\"404\"}";
        assertEquals(value(before, ok) + 1, value(after, ok), after);
        assertEquals(value(before, notFound) + 1, value(after, notFound), after);
        String tok = "egemma_input_tokens_total{model=\"gemma\"}";
        assertEquals(value(before, tok) + tokens, value(after, tok), after);
        for (String line : new String[] {"# TYPE egemma_request_duration_seconds histogram", "egemma_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"+Inf\"}",
                "egemma_batch_inputs_bucket{le=\"1\"}", "egemma_queued_tokens 0", "egemma_requests_in_flight ", "# TYPE egemma_input_tokens_total counter"})
            assertTrue(after.contains(line), "missing '" + line + "' in\n" + after);
    }

    /** The value of the sample line starting with {@code series}, 0 if absent. */
    private static double value(String exposition, String series) {
        for (String l : exposition.split("\n")) if (l.startsWith(series + " ")) return Double.parseDouble(l.substring(series.length() + 1));
        return 0;
    }
}
