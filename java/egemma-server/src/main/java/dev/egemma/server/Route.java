package dev.egemma.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * One HTTP route: exact path, allowed methods, optional bearer auth, metrics, and the error policy. Client mistakes
 * ({@link ApiException}) get their status and an OpenAI-shaped error body; anything else is logged with its stack
 * trace on the server and answered with a bare 500 that says nothing about the internals.
 */
abstract class Route implements HttpHandler {
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
    abstract int serve(HttpExchange ex) throws IOException;

    @Override
    public final void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        ctx.metrics().requestStarted();
        int status = 500;
        try (ex) {
            try {
                if (!matches(ex.getRequestURI().getPath())) throw ApiException.notFound("no route " + ex.getRequestURI().getPath()
                        + "; routes: POST /v1/embeddings, POST /api/embed, GET /v1/models, GET /health, GET /metrics", null, "not_found");
                if (authenticated && !authorized(ex)) throw ApiException.unauthorized();
                if (!methods.contains(ex.getRequestMethod())) {
                    ex.getResponseHeaders().set("Allow", String.join(", ", methods));
                    throw ApiException.methodNotAllowed(ex.getRequestMethod(), String.join(" or ", methods));
                }
                status = serve(ex);
            } catch (ApiException e) {
                status = e.status();
                if (e.retryAfterSeconds() > 0) ex.getResponseHeaders().set("Retry-After", Long.toString(e.retryAfterSeconds()));
                if (e.status() == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                try {
                    sendJson(ex, status, Json.error(e));
                } catch (IOException io) {
                    LOG.log(System.Logger.Level.DEBUG, "could not send the error on " + path + ": " + io);
                }
            } catch (IOException e) {
                status = 499; // the client went away mid-request: nothing to answer
                LOG.log(System.Logger.Level.DEBUG, "I/O error on " + path + ": " + e);
            } catch (RuntimeException | Error e) {
                status = 500;
                LOG.log(System.Logger.Level.ERROR, "internal error on " + ex.getRequestMethod() + " " + path, e);
                try {
                    sendJson(ex, 500, Json.error(new ApiException(500, "server_error", "internal server error; see the server log", null, "internal_error", 0)));
                } catch (IOException | RuntimeException ignored) {
                    // headers may already be sent; the exchange is closed below either way
                }
            }
        } finally {
            ctx.metrics().requestFinished(label(), status, System.nanoTime() - t0);
        }
    }

    boolean matches(String requestPath) {
        return requestPath.equals(path) || requestPath.equals(path + "/");
    }

    private boolean authorized(HttpExchange ex) {
        String key = ctx.apiKey();
        if (key == null) return true;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    }

    static void sendJson(HttpExchange ex, int status, byte[] body) throws IOException {
        send(ex, status, "application/json", body);
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
    }
}
