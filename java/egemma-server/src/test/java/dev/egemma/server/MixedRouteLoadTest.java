// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 concurrent clients for about three seconds, each request going in turn to OpenAI's {@code /v1/embeddings},
 * Ollama's {@code /api/embed} and TEI's {@code /embed} with the same inputs: zero errors, and every answer has the
 * same bits as the first one, whatever the route and whatever else the server was doing meanwhile.
 */
class MixedRouteLoadTest {
    private static final int CLIENTS = 64;
    private static final Duration RUN = Duration.ofSeconds(3);
    private static final String INPUTS = "[\"The quick brown fox jumps over the lazy dog\",\"un deux trois\",\"42\"]";
    private static final String[][] ROUTES = {
            {"/v1/embeddings", "{\"model\":\"gemma\",\"encoding_format\":\"float\",\"input\":" + INPUTS + "}"},
            {"/api/embed", "{\"model\":\"gemma\",\"input\":" + INPUTS + "}"},
            {"/embed", "{\"inputs\":" + INPUTS + "}"}};

    @Test
    void sixtyFourClientsOverThreeRoutesGetIdenticalBits() throws Exception {
        try (EmbeddingServer s = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32"))) {
            float[][] want = vectors(0, post(s, ROUTES[0][0], ROUTES[0][1]));
            AtomicInteger sent = new AtomicInteger();
            Queue<String> errors = new ConcurrentLinkedQueue<>();
            long end = System.nanoTime() + RUN.toNanos();
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) fs.add(clients.submit(() -> {
                    while (System.nanoTime() < end) {
                        int r = sent.getAndIncrement() % ROUTES.length;
                        try {
                            Reply rep = post(s, ROUTES[r][0], ROUTES[r][1]);
                            if (rep.status() != 200) errors.add(ROUTES[r][0] + ": " + rep.status() + " " + rep.raw().body());
                            else TeiRoutesTest.assertSameBits(want, vectors(r, rep));
                        } catch (Exception | AssertionError e) {
                            errors.add(ROUTES[r][0] + ": " + e);
                        }
                    }
                    return null;
                }));
                for (Future<?> f : fs) f.get();
            }
            assertTrue(errors.isEmpty(), () -> errors.size() + " errors of " + sent.get() + ", first: " + errors.stream().limit(5).toList());
            assertTrue(sent.get() >= 2 * CLIENTS, "every client should have sent several requests: " + sent.get());
            System.out.println("[mixed-load] " + CLIENTS + " clients, " + sent.get() + " requests over 3 routes in " + RUN.toSeconds() + " s: identical bits, 0 errors");
            String metrics = get(s, "/metrics", null).raw().body();
            for (String[] route : ROUTES)
                assertFalse(metrics.contains("egemma_http_requests_total{route=\"" + route[0] + "\",status=\"4")
                        || metrics.contains("egemma_http_requests_total{route=\"" + route[0] + "\",status=\"5"), metrics);
        }
    }

    /** The vectors of an answer, as each route's API writes them. */
    private static float[][] vectors(int route, Reply r) {
        JsonNode j = r.json();
        return switch (route) {
            case 0 -> {
                float[][] out = new float[j.get("data").size()][];
                for (int i = 0; i < out.length; i++) out[i] = floats(j.get("data").get(i).get("embedding"));
                yield out;
            }
            case 1 -> TeiRoutesTest.vectors(j.get("embeddings"));
            default -> TeiRoutesTest.vectors(j);
        };
    }
}
