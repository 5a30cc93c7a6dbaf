// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * One HTTP route: exact path, allowed methods, optional bearer auth, metrics, and the error policy. Client mistakes
 * ({@link ApiException}) get their status and an error body in the route's API's shape (OpenAI's unless the route
 * says otherwise); anything else is logged with its stack trace on the server and answered with a bare 500 that
 * says nothing about the internals. A client that went away gets nothing (counted as 499).
 */
abstract class Route {
    private static final System.Logger LOG = System.getLogger(Route.class.getName());

    private final String path;
    private final Set<String> methods;
    private final boolean authenticated;
    final ServerContext ctx;

    Route(ServerContext ctx, String path, boolean authenticated, String... methods) {
        this.ctx = ctx;
        this.path = path;
        this.authenticated = authenticated;
        this.methods = Set.of(methods);
    }

    /** The metrics label: the route's path (unknown paths share one label so clients cannot blow up cardinality). */
    String label() {
        return path;
    }

    /** Serves an authorized request with an allowed method; returns the status sent. */
    abstract int serve(Exchange ex) throws IOException;

    /** The body of an error answer: OpenAI's {@code {"error":{"message","type","param","code"}}} unless overridden. */
    byte[] errorBody(ApiException e) {
        return Json.error(e);
    }

    /** The error as this route's API answers it; the same unless an API uses other statuses (TEI's 413). */
    ApiException translate(ApiException e) {
        return e;
    }

    public final void handle(Exchange ex) {
        Outcome outcome = new Outcome(this, ex.trace(), System.nanoTime());
        ex.onResponse(status -> {
            ex.trace().headers(ex::setHeader); // just before the headers go out: the total time is the answer's
            outcome.record(status);
        });
        ctx.metrics().requestStarted();
        int status = 500;
        try {
            if (!matches(ex.path())) throw ApiException.notFound("no route " + ex.path()
                    + "; routes: POST /v1/embeddings, POST /api/embed, POST /embed, POST /embed_chunks, POST /tokenize, POST /decode, GET /info, GET /v1/models, GET /health, GET /ready, GET /metrics", null, "not_found");
            if (authenticated && !authorized(ex)) throw ApiException.unauthorized();
            if (!methods.contains(ex.method())) {
                ex.setHeader("Allow", String.join(", ", methods));
                throw ApiException.methodNotAllowed(ex.method(), String.join(" or ", methods));
            }
            status = serve(ex);
        } catch (ApiException thrown) {
            ApiException e = translate(thrown);
            status = e.status();
            if (e.retryAfterSeconds() > 0) ex.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
            if (e.status() == 401) ex.setHeader("WWW-Authenticate", "Bearer");
            try {
                sendJson(ex, status, errorBody(e));
            } catch (IOException io) {
                LOG.log(System.Logger.Level.DEBUG, "could not send the error on " + path + ": " + io);
            }
        } catch (IOException e) {
            status = 499; // the client went away mid-request: nothing to answer
            LOG.log(System.Logger.Level.DEBUG, "I/O error on " + path + ": " + e);
        } catch (RuntimeException | Error e) {
            status = 500;
            LOG.log(System.Logger.Level.ERROR, "internal error on " + ex.method() + " " + path, e);
            try {
                if (!ex.responded()) sendJson(ex, 500, errorBody(new ApiException(500, "server_error", "internal server error; see the server log", null, "internal_error", 0)));
            } catch (IOException | RuntimeException ignored) {
                // the connection ends either way
            }
        } finally {
            outcome.record(status); // no-op when the response was sent: it was counted then
        }
    }

    /**
     * Counts a request once, just before its response headers go out, so that a client who has its answer and
     * then reads {@code /metrics} always sees it counted; requests that never got a response are counted at the end.
     */
    private static final class Outcome {
        private final Route route;
        private final RequestTrace trace;
        private final long t0;
        private boolean recorded;

        Outcome(Route route, RequestTrace trace, long t0) {
            this.route = route;
            this.trace = trace;
            this.t0 = t0;
        }

        void record(int status) {
            if (recorded) return;
            recorded = true;
            long nanos = System.nanoTime() - t0;
            route.ctx.metrics().requestFinished(route.label(), status, nanos);
            if (trace.model() != null) route.ctx.metrics().modelRequestFinished(route.label(), status, nanos, trace);
        }
    }

    boolean matches(String requestPath) {
        return requestPath.equals(path) || requestPath.equals(path + "/");
    }

    private boolean authorized(Exchange ex) {
        String key = ctx.apiKey();
        if (key == null) return true;
        String h = ex.requestHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    }

    static void sendJson(Exchange ex, int status, byte[] body) throws IOException {
        ex.send(status, "application/json", body);
    }
}
