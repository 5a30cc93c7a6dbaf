// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Map;

/**
 * One client connection on its own virtual thread: reads requests one after another (keep-alive, pipelined ones
 * too), hands each to the handler, and ends on {@code Connection: close}, HTTP/1.0, the idle bound, a protocol error
 * or a stop. Its state tells a stop what it may close at once (waiting for or reading a request, lingering) and
 * what it must let finish (a request being handled), see {@link #drain}.
 */
final class Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    private enum State { NEW, IDLE, HEAD, BUSY, BODY, CLOSING }

    private final Socket socket;
    private final Http1Server server;
    private final ConnectionInput in;
    private final OutputStream out;
    private State state = State.NEW;
    private boolean closed;

    Connection(Socket socket, Http1Server server) throws IOException {
        this.socket = socket;
        this.server = server;
        socket.setTcpNoDelay(true); // a response is written whole; do not hold its last segment back
        this.in = new ConnectionInput(socket);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    @Override
    public void run() {
        try {
            while (serveNext()) {
                // keep-alive: the next request
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "connection ended: " + e);
        } finally {
            close();
            server.forget(this);
        }
    }

    /** Reads and answers one request; false when the connection is to end. */
    private boolean serveNext() throws IOException {
        if (!to(State.IDLE) || !in.awaitRequest(System.nanoTime() + bounds().idle().toNanos()) || !to(State.HEAD)) return false;
        long deadline = System.nanoTime() + bounds().requestRead().toNanos();
        Exchange ex;
        try {
            RequestHead head = RequestHead.parse(in.readHead(HttpBounds.MAX_HEAD_BYTES, deadline));
            ex = new Exchange(this, head, RequestBody.open(head, in, deadline));
        } catch (ApiException e) {
            refuse(e);
            return false;
        } catch (SocketTimeoutException e) {
            refuse(bounds().requestTimedOut());
            return false;
        }
        if (!to(State.BUSY)) { // the stop began while the request arrived
            refuse(ApiException.shuttingDown());
            return false;
        }
        server.handler().handle(ex);
        if (!ex.responded()) return false; // the client went away, or the stop cut the request: nobody to answer
        if (ex.closeAfter()) linger();
        return !ex.closeAfter();
    }

    /** Answers a request the HTTP layer cannot take (OpenAI's error shape: no route chose another), then ends. */
    private void refuse(ApiException e) throws IOException {
        HttpResponses.write(out, e.status(), Map.of("Content-Type", "application/json"), Json.error(e), false, true);
        linger();
    }

    /**
     * Ends the connection after an answer without a reset: our side is shut, and what the client still sends (the
     * body of a 413, the rest of a 431's headers) is read and dropped for a moment, because closing a socket with
     * unread bytes sends a reset that can destroy the answer before the client reads it.
     */
    private void linger() {
        if (!to(State.CLOSING)) return;
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            return;
        }
        in.discardUntil(System.nanoTime() + bounds().linger().toNanos());
    }

    /** A route is about to read the body: false when the server is stopping (no new reads then). */
    boolean enterBodyRead() {
        return to(State.BODY);
    }

    void exitBodyRead() {
        to(State.BUSY);
    }

    /**
     * Called once the server is draining: a connection waiting for a request, reading one, or lingering is closed
     * now (a silent client holds nothing up); one handling a request finishes it, answers {@code Connection: close}
     * and ends. From now on the only state change allowed is back from a body read to BUSY: no new request, no new
     * body read, no lingering.
     */
    synchronized void drain() {
        if (state != State.BUSY) close();
    }

    /** The grace is over: ends the connection whatever it is doing. */
    void cut() {
        close();
    }

    private synchronized boolean to(State next) {
        if (closed || server.draining() && !(state == State.BODY && next == State.BUSY)) return false;
        state = next;
        return true;
    }

    private synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            socket.close(); // also wakes this connection's thread if it is blocked reading
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a connection: " + e);
        }
    }

    boolean draining() {
        return server.draining();
    }

    HttpBounds bounds() {
        return server.bounds();
    }

    ConnectionInput input() {
        return in;
    }

    OutputStream output() {
        return out;
    }
}
