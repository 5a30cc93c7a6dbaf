// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A connection's input: a read-ahead buffer over the socket whose reads end at a deadline (the socket timeout is
 * set to what is left before each read, so a trickle of bytes cannot stretch it), and a cheap check whether the
 * peer has gone while its request waits on the model. Bytes read ahead (a pipelined next request) stay buffered
 * for the next read. Used by the connection's own thread only.
 */
final class ConnectionInput {
    private final Socket socket;
    private final InputStream in;
    private byte[] buf = new byte[8192];
    private int pos, lim;
    private boolean eof;

    ConnectionInput(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /**
     * Waits for the first byte of the next request, skipping the empty lines RFC 9112 lets precede it; false on
     * EOF or when nothing came by {@code deadline}.
     */
    boolean awaitRequest(long deadline) throws IOException {
        while (true) {
            while (pos < lim && (buf[pos] == '\r' || buf[pos] == '\n')) pos++;
            if (pos < lim) return true;
            try {
                if (fill(deadline) < 0) return false;
            } catch (SocketTimeoutException idle) {
                return false;
            }
        }
    }

    /**
     * The request head up to and including its empty line. Past {@code max} bytes without one: 431, or 414 when
     * not even the request line ended.
     */
    byte[] readHead(int max, long deadline) throws IOException {
        int scanned = 0; // bytes after pos already searched for the end
        while (true) {
            int end = lim - pos;
            for (int i = Math.max(0, scanned - 2); i < Math.min(end, max); i++) {
                if (buf[pos + i] != '\n') continue;
                int next = i + 1 < end && buf[pos + i + 1] == '\r' ? i + 2 : i + 1; // "\n\r\n" or "\n\n"
                if (next < end && buf[pos + next] == '\n') {
                    byte[] head = Arrays.copyOfRange(buf, pos, pos + next + 1);
                    pos += next + 1;
                    return head;
                }
            }
            scanned = end;
            if (end >= max) {
                boolean lineEnded = false;
                for (int i = 0; i < max && !lineEnded; i++) lineEnded = buf[pos + i] == '\n';
                throw lineEnded
                        ? ApiException.http(431, "the request headers are larger than the server's limit of " + max + " bytes", "headers_too_large")
                        : ApiException.http(414, "the request line is longer than the server's limit of " + HttpBounds.MAX_TARGET_BYTES + " bytes", "uri_too_long");
            }
            if (fill(deadline) < 0) throw new EOFException("the connection closed inside a request head");
        }
    }

    /** Up to {@code len} body bytes; -1 at EOF. */
    int read(byte[] b, int off, int len, long deadline) throws IOException {
        if (pos == lim && (eof || fill(deadline) < 0)) return -1;
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /** One byte; -1 at EOF. */
    int read(long deadline) throws IOException {
        if (pos == lim && (eof || fill(deadline) < 0)) return -1;
        return buf[pos++] & 0xff;
    }

    /**
     * True when the peer has closed or reset the connection. Never blocks for more than a millisecond: a read with
     * a 1 ms timeout into the free end of the buffer (bytes that come are kept: a pipelined request). A client that
     * half-closes its side after sending counts as gone too, as in most servers.
     */
    boolean peerGone() {
        if (eof) return true;
        if (lim == buf.length) compact();
        if (lim == buf.length) return false; // the buffer is full of a pipelined request: the peer is there
        try {
            socket.setSoTimeout(1);
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) eof = true;
            else lim += n;
            return eof;
        } catch (SocketTimeoutException quiet) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Reads and drops whatever comes until EOF or {@code deadline} (lingering before a close). */
    void discardUntil(long deadline) {
        try {
            while (true) {
                pos = lim = 0;
                if (fill(deadline) < 0) return;
            }
        } catch (IOException timedOutOrReset) {
            // done lingering
        }
    }

    private int fill(long deadline) throws IOException {
        if (lim == buf.length) {
            compact();
            if (lim == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a head still arriving; readHead bounds it
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new SocketTimeoutException("the read deadline has passed");
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left) + 1));
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) eof = true;
        else lim += n;
        return n;
    }

    private void compact() {
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        lim -= pos;
        pos = 0;
    }
}
