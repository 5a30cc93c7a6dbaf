// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP/1.1 server: a listening socket and one virtual thread per connection ({@link Connection}), so a
 * request waiting on the model holds no platform thread. Ours rather than the JDK's com.sun.net.httpserver, which
 * cannot tell that a client went away (so abandoned work could not be cancelled), answers neither 413 before a
 * body nor 431, and has no drain: its stop kept taking new requests on open connections for the whole grace.
 */
final class Http1Server {
    private static final System.Logger LOG = System.getLogger(Http1Server.class.getName());

    /** Answers an exchange: always sends a response, unless the client is gone. */
    interface Handler {
        void handle(Exchange ex);
    }

    private final ServerSocket listener;
    private final HttpBounds bounds;
    private final Handler handler;
    private final ExecutorService connections = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("egemma-http-", 0).factory());
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    private Http1Server(ServerSocket listener, HttpBounds bounds, Handler handler) {
        this.listener = listener;
        this.bounds = bounds;
        this.handler = handler;
    }

    static Http1Server start(String host, int port, HttpBounds bounds, Handler handler) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(new InetSocketAddress(host, port), 256);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        Http1Server s = new Http1Server(listener, bounds, handler);
        Thread.ofVirtual().name("egemma-http-accept").start(s::accept);
        return s;
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (listener.isClosed()) return;
                LOG.log(System.Logger.Level.WARNING, "accepting a connection failed: " + e);
                pause(); // e.g. out of file descriptors: do not spin
                continue;
            }
            try {
                Connection c = new Connection(socket, this);
                synchronized (this) { // against stop: a connection is either drained or never started
                    if (draining) throw new IOException("stopping");
                    open.add(c);
                }
                connections.execute(c);
            } catch (IOException | RuntimeException e) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing more to do with it
                }
            }
        }
    }

    InetAddress address() {
        return listener.getInetAddress();
    }

    int port() {
        return listener.getLocalPort();
    }

    Handler handler() {
        return handler;
    }

    HttpBounds bounds() {
        return bounds;
    }

    boolean draining() {
        return draining;
    }

    void forget(Connection c) {
        open.remove(c);
    }

    /**
     * Drains: stops listening, closes every connection not handling a request, and waits up to {@code grace} for the
     * requests in flight, which are answered with {@code Connection: close}; returns as soon as they are done. After
     * the grace the rest is cut (connections closed, their threads interrupted, which cancels their model work).
     * Returns whether everything finished within the grace.
     */
    boolean stop(Duration grace) {
        synchronized (this) {
            draining = true;
        }
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the listener: " + e);
        }
        for (Connection c : open) c.drain();
        connections.shutdown();
        boolean done = false;
        try {
            done = connections.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            for (Connection c : open) c.cut();
            connections.shutdownNow();
        }
        return done;
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
