// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30 cases 6 and 7: stopping drains. Requests in flight finish and are answered with {@code Connection: close};
 * new requests, on new or open keep-alive connections, are refused; stop returns when the in-flight requests are
 * done, not after the grace; after the grace what still runs is cut; a request still sending its body holds
 * nothing up.
 */
class ServerDrainTest {
    private static final int CLIENTS = 16;

    @Test
    void stopAnswersInFlightRequestsWithConnectionCloseAndRefusesNewOnes() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        EmbeddingServer s = serve(config(Limits.defaults(), null), Map.of("gemma", gated));
        List<RawHttp> clients = new ArrayList<>();
        try (RawHttp idle = new RawHttp(s)) {
            RawHttp.Response first = idle.send(RawHttp.get("/health")).read();
            assertEquals(200, first.status());
            assertFalse(first.closes(), "keep-alive before the stop");
            for (int i = 0; i < CLIENTS; i++) clients.add(new RawHttp(s).send(RawHttp.post("/v1/embeddings", "{\"input\":\"text " + i + "\"}")));
            assertTrue(gated.entered.tryAcquire(CLIENTS, 30, TimeUnit.SECONDS), "the requests never reached the model");

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> s.stop(Duration.ofSeconds(60)));
            awaitRefused(s);
            // a new request on a keep-alive connection opened before the stop: refused (closed, or 503 + close)
            RawHttp.Response late = null;
            try {
                late = idle.send(RawHttp.get("/health")).readOrNull(false);
            } catch (IOException refused) {
                // reset while sending: refused too
            }
            if (late != null) {
                assertEquals(503, late.status(), late.body());
                assertTrue(late.closes());
            }

            gated.gate.countDown();
            for (RawHttp c : clients) {
                RawHttp.Response r = c.read();
                assertEquals(200, r.status(), r.body());
                assertTrue(r.closes(), "an in-flight request's answer during the drain says Connection: close: " + r.headers());
                assertTrue(c.closedByServer(), "the connection closes after it");
            }
            stopping.get(10, TimeUnit.SECONDS); // returns once they are done: well before the 60 s grace
        } finally {
            for (RawHttp c : clients) c.close();
            s.stop(Duration.ZERO);
        }
    }

    @Test
    void stopCutsWhatIsStillRunningAfterTheGrace() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        EmbeddingServer s = serve(config(Limits.defaults(), null), Map.of("gemma", gated));
        try (RawHttp c = new RawHttp(s)) {
            c.send(RawHttp.post("/v1/embeddings", "{\"input\":\"never released\"}"));
            assertTrue(gated.entered.tryAcquire(30, TimeUnit.SECONDS), "the request never reached the model");
            CompletableFuture.runAsync(() -> s.stop(Duration.ofMillis(300))).get(10, TimeUnit.SECONDS);
            assertTrue(gated.interrupted.await(5, TimeUnit.SECONDS), "the running model call was not cancelled");
            assertNull(c.readOrNull(false), "a cut request gets no answer");
        }
    }

    /** Case 7: a client that sent its headers and part of its body, then went silent, does not hold up a stop. */
    @Test
    void aHalfSentBodyDoesNotHoldUpStop() throws Exception {
        EmbeddingServer s = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32"));
        try (RawHttp c = new RawHttp(s)) {
            c.send("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"input\":");
            awaitMetrics(s, "egemma_requests_in_flight 2\n"); // the half-sent one and the /metrics request
            CompletableFuture.runAsync(() -> s.stop(Duration.ofSeconds(30))).get(5, TimeUnit.SECONDS);
            RawHttp.Response r = c.readOrNull(false);
            assertTrue(r == null || r.status() == 503 && r.closes(), () -> "closed, or 503 + close: " + r);
        } finally {
            s.stop(Duration.ZERO);
        }
    }

    /** Waits (up to 5 s) until the listener is closed: a new connection is refused. */
    private static void awaitRefused(EmbeddingServer s) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", s.port()), 1000);
            } catch (ConnectException refused) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("new connections were still accepted during the stop");
    }
}
