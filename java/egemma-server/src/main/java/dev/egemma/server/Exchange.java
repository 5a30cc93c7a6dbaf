// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * One request and its one response, as a route sees them: method, path, headers, the body stream, response headers,
 * and whether the client is still there. Takes the place of com.sun.net.httpserver's HttpExchange with what the
 * routes use, plus what that one could not tell: {@link #clientGone}.
 */
final class Exchange {
    /** An unread body rest up to this size is read and dropped before answering, so the connection can go on. */
    private static final long SMALL_REST = 64 * 1024;

    private final Connection conn;
    private final RequestHead head;
    private final RequestBody body;
    private final boolean expectsContinue;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();
    private final RequestTrace trace = new RequestTrace();
    private IntConsumer onResponse = status -> {};
    private boolean continueSent, responded, closeAfter;

    Exchange(Connection conn, RequestHead head, RequestBody body) {
        String expect = head.header("Expect");
        if (expect != null && !expect.equalsIgnoreCase("100-continue"))
            throw ApiException.http(417, "Expect '" + expect + "' is not supported; only 100-continue is", "expectation_failed");
        this.conn = conn;
        this.head = head;
        this.body = body;
        this.expectsContinue = expect != null && head.http11();
    }

    String method() {
        return head.method();
    }

    String path() {
        return head.path();
    }

    String requestHeader(String name) {
        return head.header(name);
    }

    /** The body length the request declared, -1 when it is chunked. */
    long declaredLength() {
        return body.declaredLength();
    }

    /**
     * The request body. Its first read sends {@code 100 Continue} to a client waiting for it (so a request refused
     * before its body is read never has it sent); a read past the request's read bound is a 408; a read started
     * while the server stops is a 503, and one blocked when the stop begins fails at once, so that a silent client
     * does not hold up the stop.
     */
    InputStream body() {
        return new InputStream() {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return readBody(b, off, len);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return readBody(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }
        };
    }

    private int readBody(byte[] b, int off, int len) throws IOException {
        if (!conn.enterBodyRead()) throw ApiException.shuttingDown();
        try {
            if (expectsContinue && !continueSent && !body.finished()) {
                continueSent = true;
                HttpResponses.writeContinue(conn.output());
            }
            return body.read(b, off, len);
        } catch (SocketTimeoutException e) {
            throw conn.bounds().requestTimedOut();
        } finally {
            conn.exitBodyRead();
        }
    }

    /** True when the client has closed or reset its connection: nobody will read the answer. Takes at most ~1 ms. */
    boolean clientGone() {
        return conn.input().peerGone();
    }

    /** What an embeddings request did (model, tokens, timings); empty on other routes. */
    RequestTrace trace() {
        return trace;
    }

    void setHeader(String name, String value) {
        responseHeaders.put(name, value);
    }

    /** Called with the status just before the response goes out. */
    void onResponse(IntConsumer callback) {
        onResponse = callback;
    }

    /**
     * Sends the response. It says {@code Connection: close} and the connection ends after it when the client asked,
     * the server is stopping, or the request body was not read to its end (a 413 for a declared length, say: the
     * rest is never read, so the connection cannot carry another request).
     */
    void send(int status, String contentType, byte[] content) throws IOException {
        if (responded) throw new IllegalStateException("the response was already sent");
        onResponse.accept(status);
        responded = true;
        closeAfter = true; // unless it is written in full
        responseHeaders.put("Content-Type", contentType);
        boolean close = head.wantsClose() || !bodyConsumed() || conn.draining();
        HttpResponses.write(conn.output(), status, responseHeaders, content, head.method().equals("HEAD"), close);
        closeAfter = close;
    }

    boolean responded() {
        return responded;
    }

    /** Whether the connection must end after the response (or the response could not be written). */
    boolean closeAfter() {
        return closeAfter;
    }

    private boolean bodyConsumed() {
        if (body.finished()) return true;
        long rest = body.remaining();
        if (rest < 0 || rest > SMALL_REST || expectsContinue && !continueSent) return false;
        try {
            byte[] skip = new byte[8192];
            while (readBody(skip, 0, skip.length) >= 0) {
                // dropped
            }
            return true;
        } catch (IOException | ApiException e) {
            return false;
        }
    }
}
