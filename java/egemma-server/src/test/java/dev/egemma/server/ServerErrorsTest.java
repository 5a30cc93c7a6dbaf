// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every client mistake and overload answer: the right status, OpenAI's error shape, never a 500 or a stack trace. */
class ServerErrorsTest {
    private static final Limits LIMITS = Limits.defaults().withMaxBodyBytes(64 * 1024).withMaxInputs(4).withMaxTokensPerInput(16);
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(LIMITS, null), goldenModels("gemma", "small-dense-f32", "other", "small-f32"));
    }

    /** After all the mistakes above: none of them was counted as a 500. */
    @AfterAll
    static void stop() throws Exception {
        if (server == null) return;
        try {
            String metrics = get(server, "/metrics", null).raw().body();
            assertTrue(metrics.contains("status=\"400\""), metrics);
            assertTrue(!metrics.contains("status=\"500\""), metrics);
        } finally {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private static Reply embed(String json) throws Exception {
        return post(server, "/v1/embeddings", json);
    }

    @Test
    void malformedJson() throws Exception {
        assertError(embed("{\"model\":\"gemma\",\"input\":"), 400, "malformed JSON");
        assertError(embed("{model: gemma}"), 400, "malformed JSON");
        assertError(embed("{\"input\":\"a\"} trailing"), 400, "malformed JSON");
        assertError(embed("{\"input\":\"a\",\"input\":\"b\"}"), 400, "malformed JSON");
        assertError(embed(""), 400, "empty");
        assertError(embed("[\"a\"]"), 400, "JSON object");
        assertError(embed("[".repeat(5000) + "]".repeat(5000)), 400, "malformed JSON");
        assertError(post(server, "/api/embed", "{\"input\":"), 400, "malformed JSON");
    }

    @Test
    void wrongTypes() throws Exception {
        assertError(embed("{\"model\":\"gemma\",\"input\":5}"), 400, "'input' must be");
        assertError(embed("{\"model\":\"gemma\",\"input\":{\"text\":\"a\"}}"), 400, "'input' must be");
        assertError(embed("{\"model\":\"gemma\",\"input\":[\"a\",2]}"), 400, "input[1]");
        assertError(embed("{\"model\":\"gemma\",\"input\":[1,\"a\"]}"), 400, "input[1]");
        assertError(embed("{\"model\":\"gemma\",\"input\":[1.5]}"), 400, "input[0]");
        assertError(embed("{\"model\":\"gemma\",\"input\":[[1,2],[3,-4]]}"), 400, "input[1][1]");
        assertError(embed("{\"model\":\"gemma\",\"input\":[[1,2],[]]}"), 400, "empty token list");
        assertError(embed("{\"model\":\"gemma\",\"input\":[2,99999999999]}"), 400, "input[1]");
        assertError(embed("{\"model\":\"gemma\",\"input\":[2,16384]}"), 400, "vocabulary size 16384");
        assertError(embed("{\"model\":7,\"input\":\"a\"}"), 400, "'model' must be a string");
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"dimensions\":\"32\"}"), 400, "'dimensions'");
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"dimensions\":0}"), 400, "'dimensions'");
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"dimensions\":65}"), 400, "exceeds");
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"truncate\":\"no\"}"), 400, "'truncate'");
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"task\":\"poetry\"}"), 400, "unknown task");
        assertError(embed("{\"model\":\"gemma\",\"input\":[1,2],\"task\":\"query\"}"), 400, "'task' applies to text");
        assertError(post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[[1,2]]}"), 400, "input[0]");
        assertError(post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":3}"), 400, "'input' must be");
    }

    @Test
    void emptyOrMissingInput() throws Exception {
        JsonNode e = assertError(embed("{\"model\":\"gemma\",\"input\":[]}"), 400, "must not be empty");
        assertEquals("input", e.get("param").textValue());
        assertEquals("invalid_request_error", e.get("type").textValue());
        assertError(embed("{\"model\":\"gemma\"}"), 400, "'input' is required");
        assertError(post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[]}"), 400, "must not be empty");
    }

    @Test
    void badEncodingFormat() throws Exception {
        JsonNode e = assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"encoding_format\":\"hex\"}"), 400, "encoding_format");
        assertEquals("encoding_format", e.get("param").textValue());
        assertError(embed("{\"model\":\"gemma\",\"input\":\"a\",\"encoding_format\":1}"), 400, "encoding_format");
    }

    @Test
    void nonUtf8Body() throws Exception {
        byte[] latin1 = "{\"model\":\"gemma\",\"input\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertError(post(server, "/v1/embeddings", latin1, null), 400, "not valid UTF-8");
        byte[] truncated = {'{', '"', 'a', '"', ':', '"', (byte) 0xe2, (byte) 0x82, '"', '}'};
        assertError(post(server, "/api/embed", truncated, null), 400, "not valid UTF-8");
    }

    @Test
    void tooLargeBody() throws Exception {
        String big = "{\"model\":\"gemma\",\"input\":\"" + "x".repeat(100_000) + "\"}";
        JsonNode e = assertError(embed(big), 413, "65536 bytes");
        assertEquals("request_too_large", e.get("code").textValue());
        // without a Content-Length (chunked), the limit holds while reading
        HttpRequest chunked = HttpRequest.newBuilder(server.uri().resolve("/v1/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build();
        assertError(send(chunked), 413, "65536 bytes");
    }

    @Test
    void tooManyInputs() throws Exception {
        JsonNode e = assertError(embed("{\"model\":\"gemma\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"), 400, "at most 4");
        assertEquals("too_many_inputs", e.get("code").textValue());
        assertError(post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"), 400, "at most 4");
        assertEquals(200, embed("{\"model\":\"gemma\",\"input\":[\"a\",\"b\",\"c\",\"d\"]}").status());
    }

    @Test
    void tooLongInputs() throws Exception {
        String longText = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
        JsonNode e = assertError(embed("{\"model\":\"gemma\",\"input\":\"" + longText + "\",\"truncate\":false}"), 400, "more than the limit of 16");
        assertEquals("context_length_exceeded", e.get("code").textValue());
        assertError(post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[\"short\",\"" + longText + "\"],\"truncate\":false}"), 400, "input[1]");
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) ids.add(2 + i);
        assertError(embed("{\"model\":\"gemma\",\"input\":" + ids + ",\"truncate\":false}"), 400, "20 tokens");
        // truncation (the default) cuts to the limit instead
        Reply ok = post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":\"" + longText + "\"}");
        assertEquals(200, ok.status(), ok.raw().body());
        assertEquals(16, ok.json().get("prompt_eval_count").intValue());
        assertEquals(16, embed("{\"model\":\"gemma\",\"input\":" + ids + "}").json().get("usage").get("prompt_tokens").intValue());
    }

    @Test
    void unknownModelIs404ListingTheServedNames() throws Exception {
        JsonNode e = assertError(embed("{\"model\":\"gpt-4\",\"input\":\"a\"}"), 404, "gemma, other");
        assertEquals("model_not_found", e.get("code").textValue());
        assertEquals("model", e.get("param").textValue());
        assertError(post(server, "/api/embed", "{\"model\":\"llama\",\"input\":\"a\"}"), 404, "gemma, other");
        assertError(embed("{\"input\":\"a\"}"), 400, "'model' is required");
    }

    @Test
    void unknownRoutesAndMethods() throws Exception {
        assertError(get(server, "/v2/embeddings", null), 404, "no route");
        assertError(get(server, "/v1/embeddingsX", null), 404, "no route");
        Reply r = get(server, "/v1/embeddings", null);
        assertError(r, 405, "POST");
        assertEquals("POST", r.header("Allow"));
        assertError(post(server, "/health", "{}"), 405, "GET");
    }

    /** Issue 30 case 8: Ollama's clients read {@code error} as a string (the npm client showed "[object Object]"). */
    @Test
    void ollamaErrorsUseOllamasShapeAndOpenAiErrorsOpenAis() throws Exception {
        Reply r = post(server, "/api/embed", "{\"model\":\"llama\",\"input\":\"a\"}");
        assertEquals("model 'llama' is not served here; served models: gemma, other", assertError(r, 404, "llama").textValue());
        assertError(post(server, "/api/embed", "{\"input\":"), 400, "malformed JSON");
        assertError(post(server, "/api/embed/", "{\"model\":\"gemma\",\"input\":[]}"), 400, "must not be empty");
        Reply get = get(server, "/api/embed", null);
        assertError(get, 405, "POST");
        assertEquals("model_not_found", assertError(post(server, "/v1/embeddings", "{\"model\":\"llama\",\"input\":\"a\"}"), 404, "llama").get("code").textValue());
    }

    @Test
    void apiKey() throws Exception {
        try (EmbeddingServer s = serve(config(Limits.defaults(), "s3cret"), goldenModels("gemma", "small-dense-f32"))) {
            String body = "{\"model\":\"gemma\",\"input\":\"a\"}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            Reply none = post(s, "/v1/embeddings", b, null);
            JsonNode e = assertError(none, 401, "API key");
            assertEquals("invalid_api_key", e.get("code").textValue());
            assertEquals("Bearer", none.header("WWW-Authenticate"));
            assertError(post(s, "/v1/embeddings", b, "wrong"), 401, "API key");
            assertError(post(s, "/api/embed", b, "s3cre"), 401, "API key");
            assertError(get(s, "/v1/models", null), 401, "API key");
            assertError(get(s, "/metrics", null), 401, "API key");
            assertEquals(200, post(s, "/v1/embeddings", b, "s3cret").status());
            assertEquals(200, post(s, "/api/embed", b, "s3cret").status());
            assertEquals(200, get(s, "/v1/models", "s3cret").status());
            assertEquals(200, get(s, "/health", null).status(), "health stays open for probes");
        }
    }

    /** A full token budget: 429 + Retry-After on every embeddings route, for one input and for a batch alike. */
    @Test
    void queueFullIs429WithRetryAfter() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        String text = "word ".repeat(20);
        int tokens = gated.tokenize(text, 2048).ids().length;
        Limits small = Limits.defaults().withMaxQueuedTokens(tokens * 3 / 2); // one request fits, two do not
        try (EmbeddingServer s = serve(config(small, null), Map.of("gemma", gated))) {
            String req = "{\"model\":\"gemma\",\"input\":\"" + text + "\"}";
            CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> unchecked(() -> post(s, "/v1/embeddings", req)));
            assertTrue(gated.entered.tryAcquire(30, TimeUnit.SECONDS), "first request never reached the model");
            String q = Json.MAPPER.valueToTree(text).toString();
            for (String input : new String[] {q, "[" + q + ",\"b\"]"}) {
                Reply busy = post(s, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":" + input + "}");
                assertEquals("overloaded", assertError(busy, 429, "busy").get("code").textValue());
                assertRetryAfter(busy);
                Reply ollama = post(s, "/api/embed", "{\"model\":\"gemma\",\"input\":" + input + "}");
                assertError(ollama, 429, "busy");
                assertRetryAfter(ollama);
                Reply tei = post(s, "/embed", "{\"inputs\":" + input + "}");
                TeiRoutesTest.assertTeiError(tei, 429, "busy", "Overloaded");
                assertRetryAfter(tei);
            }
            assertTrue(get(s, "/metrics", null).raw().body().contains("egemma_queued_tokens " + tokens + "\n"));
            assertError(post(s, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"" + "word ".repeat(3 * tokens) + "\"}"), 400, "more than this server ever queues");
            gated.gate.countDown();
            assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
            assertEquals(200, post(s, "/v1/embeddings", req).status(), "the budget is released after the request");
        }
    }

    private static void assertRetryAfter(Reply r) {
        assertNotNull(r.header("Retry-After"), r.raw().uri().getPath());
        assertTrue(Integer.parseInt(r.header("Retry-After")) >= 1);
    }

    @Test
    void timeoutIs503AndHealthSays503WhileLoading() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        try (EmbeddingServer s = serve(config(Limits.defaults().withRequestTimeout(Duration.ofMillis(300)), null), Map.of("gemma", gated))) {
            Reply r = post(s, "/v1/embeddings", "{\"input\":\"slow\"}");
            JsonNode e = assertError(r, 503, "timeout");
            assertEquals("timeout", e.get("code").textValue());
            assertNotNull(r.header("Retry-After"));
            gated.gate.countDown();
        }
        try (EmbeddingServer loading = EmbeddingServer.start(config(Limits.defaults(), null))) {
            Reply h = get(loading, "/health", null);
            assertEquals(503, h.status());
            assertEquals("loading", h.json().get("status").textValue());
            assertError(post(loading, "/v1/embeddings", "{\"input\":\"a\"}"), 503, "loading");
            loading.ready(new ServedModels(goldenModels("gemma", "small-dense-f32"), 0));
            assertEquals(200, get(loading, "/health", null).status());
        }
    }

    /** Seeded random corruptions of valid requests: every answer is a 200 or a 4xx with the error shape, never a 500. */
    @Test
    void corruptedRequestsNeverGetA500() throws Exception {
        String[] valid = {
                "{\"model\":\"gemma\",\"input\":[\"alpha beta\",\"gamma\"],\"dimensions\":8,\"encoding_format\":\"base64\"}",
                "{\"model\":\"other\",\"input\":[[2,17,1],[2,5,6,7,1]],\"truncate\":false}",
                "{\"model\":\"gemma\",\"input\":\"text\",\"task\":\"document\"}"};
        String[] junk = {"", "\u0000", "\"", "[", "]", "{", "}", ",", ":", "-1", "1e999", "null", "true", "\"\\ud800\"", "[[[]]]", "\u00ff", "99999999999999999999"};
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 300; i++) {
            String base = valid[i % valid.length];
            String path = i % 2 == 0 ? "/v1/embeddings" : "/api/embed";
            byte[] b;
            if (i % 3 == 0) { // raw byte flips
                b = base.getBytes(StandardCharsets.UTF_8);
                for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            } else { // token-level splice
                int at = rnd.nextInt(base.length() + 1), cut = Math.min(base.length(), at + rnd.nextInt(6));
                b = (base.substring(0, at) + junk[rnd.nextInt(junk.length)] + base.substring(cut)).getBytes(StandardCharsets.UTF_8);
            }
            Reply r = post(server, path, b, null);
            if (r.status() == 200) continue;
            assertTrue(r.status() >= 400 && r.status() < 500, () -> "status " + r.status() + " for " + new String(b, StandardCharsets.ISO_8859_1) + ": " + r.raw().body());
            assertError(r, r.status(), "");
        }
    }

    interface IoCall<T> {
        T call() throws Exception;
    }

    static <T> T unchecked(IoCall<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
