// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.time.Duration;

/**
 * The HTTP layer's own bounds, apart from what one API request may ask ({@link Limits}): how long a client may
 * take, and how large a request head may be. Each is there so that a slow, silent or hostile client costs the
 * server one bounded connection, never a hang.
 *
 * @param idle        how long a keep-alive connection may wait for its next request before it is closed
 * @param requestRead how long a request's head and body may take to arrive, counted from its first byte; past it
 *                    the request gets 408 and the connection closes (a slow-loris client cannot hold it forever)
 * @param linger      after an answer that ends the connection with request bytes still unread (413, 431, ...),
 *                    how long those bytes are read and dropped first, so that the client reads the answer instead
 *                    of a reset
 */
record HttpBounds(Duration idle, Duration requestRead, Duration linger) {
    /** The request line and headers together (larger: 431, or 414 when the request line alone is). */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** The request target (longer: 414). */
    static final int MAX_TARGET_BYTES = 8 * 1024;

    /** 30 s idle (the JDK server's default), 30 s to send a request, 2 s of lingering. */
    static HttpBounds defaults() {
        return new HttpBounds(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(2));
    }

    /** The answer to a request that did not arrive within {@link #requestRead}. */
    ApiException requestTimedOut() {
        return ApiException.http(408, "the request did not arrive within the server's bound of " + requestRead.toMillis() + " ms", "request_timeout");
    }
}
