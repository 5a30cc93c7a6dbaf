// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30 case 5: work nobody waits for any more is cancelled. A request whose client disconnects, or whose
 * request timeout passes, has its model call interrupted and its tokens released from the queue budget at once,
 * so the next request is admitted (the budget below holds one request, not two).
 */
class ServerCancellationTest {
    private static final String TEXT = "word ".repeat(20);

    @Test
    void aClientThatDisconnectsCancelsItsWorkAndReleasesItsTokens() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        try (EmbeddingServer s = serve(config(oneRequestBudget(gated, 8), null), Map.of("gemma", gated))) {
            try (RawHttp c = new RawHttp(s)) {
                c.send(RawHttp.post("/v1/embeddings", request(8)));
                assertTrue(gated.entered.tryAcquire(30, TimeUnit.SECONDS), "the request never reached the model");
            } // the client gives up: the socket closes with the request in flight
            assertTrue(gated.interrupted.await(5, TimeUnit.SECONDS), "the abandoned request's model call was not cancelled");
            awaitMetrics(s, "egemma_queued_tokens 0\n");
            gated.gate.countDown();
            assertEquals(200, post(s, "/v1/embeddings", request(8)).status(), "the released budget admits the next request");
            awaitMetrics(s, "egemma_http_requests_total{route=\"/v1/embeddings\",status=\"499\"} 1\n"); // counted, not answered
        }
    }

    @Test
    void aRequestTimeoutCancelsItsWorkAndReleasesItsTokens() throws Exception {
        GatedModel gated = new GatedModel(EmbedderHandle.open(golden("small-dense-f32"), OPTIONS));
        Limits limits = oneRequestBudget(gated, 8).withRequestTimeout(Duration.ofMillis(300));
        try (EmbeddingServer s = serve(config(limits, null), Map.of("gemma", gated))) {
            assertError(post(s, "/v1/embeddings", request(8)), 503, "timeout");
            assertTrue(gated.interrupted.await(5, TimeUnit.SECONDS), "the timed-out request's model call was not cancelled");
            awaitMetrics(s, "egemma_queued_tokens 0\n");
            gated.gate.countDown();
            assertEquals(200, post(s, "/v1/embeddings", request(8)).status(), "the released budget admits the next request");
        }
    }

    private static String request(int inputs) {
        StringBuilder b = new StringBuilder("{\"model\":\"gemma\",\"input\":[");
        for (int i = 0; i < inputs; i++) b.append(i == 0 ? "" : ",").append('"').append(TEXT).append(i).append('"');
        return b.append("]}").toString();
    }

    /** A queue budget that admits one request of {@code inputs} texts and not two. */
    private static Limits oneRequestBudget(GatedModel m, int inputs) {
        long tokens = 0;
        for (int i = 0; i < inputs; i++) tokens += m.tokenize(TEXT + i, 2048).ids().length;
        return Limits.defaults().withMaxQueuedTokens(tokens * 3 / 2);
    }
}
