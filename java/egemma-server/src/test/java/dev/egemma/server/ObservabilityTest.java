// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-response timing headers (TEI's names) and the per-route, per-model Prometheus metrics. */
class ObservabilityTest {
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32", "other", "small-dense-f32"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyEmbeddingsRouteSendsTokensAndTimings() throws Exception {
        Reply openAi = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":[\"one two\",\"three\"]}");
        assertTimings(openAi, openAi.json().get("usage").get("prompt_tokens").longValue());
        assertEquals(openAi.json().get("usage").get("prompt_tokens"), openAi.json().get("usage").get("total_tokens"));
        Reply ollama = post(server, "/api/embed", "{\"model\":\"gemma\",\"input\":[\"one two\",\"three\"]}");
        assertTimings(ollama, ollama.json().get("prompt_eval_count").longValue());
        Reply tei = post(server, "/embed", "{\"inputs\":[\"one two\",\"three\"]}");
        assertTimings(tei, Long.parseLong(openAi.header("x-compute-tokens")));
        Reply bad = post(server, "/v1/embeddings", "{\"model\":\"gemma\",\"input\":\"x\",\"dimensions\":100000}");
        assertError(bad, 400, "dimensions");
        assertNull(bad.header("x-compute-tokens"), "an error has no timings");
        assertNull(get(server, "/health", null).header("x-total-time"), "only embeddings routes");
    }

    private static void assertTimings(Reply r, long tokens) {
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(Long.toString(tokens), r.header("x-compute-tokens"));
        long total = Long.parseLong(r.header("x-total-time"));
        long parts = 0;
        for (String h : new String[] {"x-tokenization-time", "x-queue-time", "x-inference-time"}) {
            long ms = Long.parseLong(r.header(h));
            assertTrue(ms >= 0, h);
            parts += ms;
        }
        assertTrue(parts <= total + 3, () -> "the parts (whole ms, rounded down) fit in x-total-time " + total);
    }

    @Test
    void metricsByRouteAndModel() throws Exception {
        Reply ok = post(server, "/v1/embeddings", "{\"model\":\"other\",\"input\":\"counted\"}");
        long tokens = ok.json().get("usage").get("prompt_tokens").longValue();
        assertError(post(server, "/v1/embeddings", "{\"model\":\"other\",\"input\":\"x\",\"dimensions\":100000}"), 400, "dimensions");
        assertError(post(server, "/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}"), 404, "nope");
        String m = get(server, "/metrics", null).raw().body();
        String rm = "route=\"/v1/embeddings\",model=\"other\"";
        assertTrue(m.contains("egemma_model_requests_total{" + rm + ",status=\"200\"} 1\n"), m);
        assertTrue(m.contains("egemma_model_requests_total{" + rm + ",status=\"400\"} 1\n"), m);
        assertTrue(m.contains("egemma_model_tokens_total{" + rm + "} " + tokens + "\n"), m);
        assertTrue(m.contains("egemma_model_request_duration_seconds_count{" + rm + "} 2\n"), m);
        assertTrue(m.contains("egemma_model_queue_seconds_count{model=\"other\"} 1\n"), m);
        assertTrue(m.contains("egemma_model_inference_seconds_count{model=\"other\"} 1\n"), m);
        assertFalse(m.contains("model=\"nope\""), "an unknown model adds no label: " + m);
        assertTrue(m.contains("# TYPE egemma_model_request_duration_seconds histogram\n"), m);
    }
}
