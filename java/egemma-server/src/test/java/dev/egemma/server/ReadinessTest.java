// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Liveness ({@code /health}: loaded) apart from readiness ({@code /ready}: every model warmed up, not draining). */
class ReadinessTest {
    @Test
    void readyOnlyAfterTheWarmUpAndNotWhileStopping() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        gated.warmUpGate = new CountDownLatch(1);
        gated.gate.countDown(); // client requests pass; only the warm-up is held
        try (EmbeddingServer s = EmbeddingServer.start(config(Limits.defaults(), "key"))) {
            assertProbe(s, "/health", 503, "loading");
            assertProbe(s, "/ready", 503, "loading");
            s.ready(new ServedModels(Map.of("gemma", gated), 0));
            assertProbe(s, "/health", 200, "ok");
            assertProbe(s, "/ready", 503, "warming");
            assertEquals(200, post(s, "/v1/embeddings", "{\"input\":\"served while warming\"}".getBytes(), "key").status());
            gated.warmUpGate.countDown();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (get(s, "/ready", null).status() != 200 && System.nanoTime() < deadline) Thread.sleep(10);
            assertProbe(s, "/ready", 200, "ok");
            assertError(post(s, "/ready", "{}"), 405, "GET");
        }
    }

    @Test
    void notReadyWhileStopping() {
        ServerContext ctx = new ServerContext(Limits.defaults(), new Metrics(() -> 0), null);
        assertEquals("loading", ctx.readiness());
        ctx.warm();
        ctx.stopping();
        assertEquals("stopping", ctx.readiness());
    }

    private static void assertProbe(EmbeddingServer s, String path, int status, String state) throws Exception {
        Reply r = get(s, path, null);
        assertEquals(status, r.status(), path + ": " + r.raw().body());
        assertEquals(state, r.json().get("status").textValue(), path);
        if (status == 503) assertEquals("2", r.header("Retry-After"), path);
    }
}
