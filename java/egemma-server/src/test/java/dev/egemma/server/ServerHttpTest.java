// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/1.1 layer on raw sockets: bounds answered with their status before anything is read that need not be
 * (issue 30 case 14: 413 for a huge Content-Length without its body, 431 for a 1 MB header block), framing
 * (Content-Length, chunked, 100-continue), keep-alive, pipelining, HEAD and Connection: close.
 */
class ServerHttpTest {
    private static final Limits LIMITS = Limits.defaults().withMaxBodyBytes(64 * 1024);
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(LIMITS, null), goldenModels("gemma", "small-dense-f32"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(Duration.ofSeconds(5));
    }

    @Test
    void aHugeContentLengthIs413AtOnceWithoutTheBody() throws Exception {
        try (RawHttp c = new RawHttp(server)) {
            RawHttp.Response r = c.send("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 99999999999999\r\n\r\n{\"input\":").read();
            assertEquals(413, r.status(), r.body());
            assertTrue(r.body().contains("65536 bytes"), r.body());
            assertTrue(r.closes(), "the unread body ends the connection: " + r.headers());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aMegabyteOfHeadersIs431() throws Exception {
        StringBuilder head = new StringBuilder("GET /health HTTP/1.1\r\nHost: test\r\n");
        for (int i = 0; head.length() < (1 << 20); i++) head.append("X-Filler-").append(i).append(": ").append("a".repeat(1000)).append("\r\n");
        head.append("\r\n");
        try (RawHttp c = new RawHttp(server)) {
            // sent from another thread: the server answers after 64 KiB, while the rest is still being written
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> ServerErrorsTest.unchecked(() -> c.send(head.toString())));
            RawHttp.Response r = c.read();
            assertEquals(431, r.status(), r.body());
            assertTrue(r.body().contains("65536"), r.body());
            assertTrue(r.closes());
            sending.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestLineAndFramingErrors() throws Exception {
        assertEquals(414, exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: test\r\n\r\n").status());
        assertEquals(501, exchange("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n").status());
        assertEquals(400, exchange("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n").status());
        assertEquals(400, exchange("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Length: ten\r\n\r\n").status());
        assertEquals(400, exchange("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").status());
        assertEquals(400, exchange("this is not http\r\n\r\n").status());
        assertEquals(400, exchange("GET /health HTTP/1.1\r\nno colon here\r\n\r\n").status());
        assertEquals(505, exchange("GET /health HTTP/2.0\r\nHost: test\r\n\r\n").status());
        assertEquals(417, exchange("GET /health HTTP/1.1\r\nHost: test\r\nExpect: something-else\r\n\r\n").status());
    }

    @Test
    void chunkedBodiesAndExpectContinue() throws Exception {
        String json = "{\"model\":\"gemma\",\"input\":\"chunked text\"}";
        try (RawHttp c = new RawHttp(server)) {
            String chunked = Integer.toHexString(10) + ";ext=1\r\n" + json.substring(0, 10) + "\r\n"
                    + Integer.toHexString(json.length() - 10) + "\r\n" + json.substring(10) + "\r\n0\r\nX-Trailer: t\r\n\r\n";
            RawHttp.Response r = c.send("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked).read();
            assertEquals(200, r.status(), r.body());
            assertTrue(r.body().contains("\"prompt_tokens\""), r.body());
            // 100-continue: the interim answer comes first, then the body is sent and answered, on the same connection
            c.send("POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: " + json.length() + "\r\n\r\n");
            assertEquals(100, c.read().status());
            RawHttp.Response ok = c.send(json).read();
            assertEquals(200, ok.status(), ok.body());
            assertFalse(ok.closes());
        }
    }

    @Test
    void keepAlivePipeliningHeadAndConnectionClose() throws Exception {
        try (RawHttp c = new RawHttp(server)) {
            c.send(RawHttp.get("/health") + "HEAD /health HTTP/1.1\r\nHost: test\r\n\r\n" + RawHttp.post("/api/embed", "{\"input\":\"x\"}"));
            RawHttp.Response get = c.read();
            RawHttp.Response head = c.read(true);
            RawHttp.Response embed = c.read();
            assertEquals(200, get.status());
            assertEquals(200, head.status());
            assertEquals(get.header("Content-Length"), head.header("Content-Length"), "HEAD: GET's headers, no body");
            assertEquals(200, embed.status(), embed.body());
            assertTrue(embed.body().contains("\"embeddings\""), embed.body());
            RawHttp.Response last = c.send("GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").read();
            assertEquals(200, last.status());
            assertTrue(last.closes());
            assertTrue(c.closedByServer());
        }
        try (RawHttp c = new RawHttp(server)) { // HTTP/1.0: one request per connection
            RawHttp.Response r = c.send("GET /health HTTP/1.0\r\n\r\n").read();
            assertEquals(200, r.status());
            assertTrue(c.closedByServer());
        }
    }

    /** Case 7's second half: a request's head and body must arrive within a bound (30 s by default), then 408. */
    @Test
    void aSilentClientGets408AndAnIdleConnectionIsClosed() throws Exception {
        HttpBounds quick = new HttpBounds(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofSeconds(2));
        EmbeddingServer s = EmbeddingServer.start(config(LIMITS, null), quick);
        try {
            s.ready(new ServedModels(goldenModels("gemma", "small-dense-f32"), 0));
            for (String partial : new String[] {"POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n{\"input\":",
                    "GET /health HTTP/1.1\r\nHost: te"})
                try (RawHttp c = new RawHttp(s)) {
                    RawHttp.Response r = c.send(partial).read();
                    assertEquals(408, r.status(), r.body());
                    assertTrue(r.closes());
                    assertTrue(c.closedByServer());
                }
            try (RawHttp c = new RawHttp(s)) {
                assertEquals(200, c.send(RawHttp.get("/health")).read().status());
                assertTrue(c.closedByServer(), "an idle keep-alive connection is closed after the idle bound");
            }
        } finally {
            s.stop(Duration.ofSeconds(5));
        }
    }

    /** One request on a fresh connection; its response. */
    private static RawHttp.Response exchange(String request) throws Exception {
        try (RawHttp c = new RawHttp(server)) {
            RawHttp.Response r = c.send(request.getBytes(StandardCharsets.ISO_8859_1)).read();
            if (r.status() >= 400) assertError(r);
            return r;
        }
    }

    /** A protocol error's answer: a JSON error body, and the connection closes. */
    private static void assertError(RawHttp.Response r) {
        assertTrue(r.body().startsWith("{\"error\":{\"message\":"), r.body());
        assertTrue(r.closes(), r.headers().toString());
    }
}
