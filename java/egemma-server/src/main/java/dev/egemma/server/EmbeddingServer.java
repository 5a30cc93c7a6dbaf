// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The embedding server: a small HTTP/1.1 server of our own ({@link Http1Server}) with one virtual thread per
 * connection, so a request waiting on the model holds no platform thread, and the model's own worker pool does the
 * computing.
 *
 * <p>Lifecycle: {@link #start} binds and answers at once ({@code /health} says 503 "loading"); {@link #ready} hands
 * over the loaded models and warms them up in the background ({@code /ready} says 200 after); {@link #stop} drains (no new requests, the ones in flight finish) then closes the models.
 */
public final class EmbeddingServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddingServer.class.getName());

    /**
     * Where and how to listen. {@code apiKey} null for no authentication; {@code port} 0 for any free port.
     *
     * @param host   the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param port   the TCP port, 0..65535
     * @param apiKey the Bearer key clients must send; null for none
     * @param limits what one request may ask
     */
    public record Config(String host, int port, String apiKey, Limits limits) {
        /**
         * Checks the port and the key.
         *
         * @throws IllegalArgumentException if the port is out of range or the key is blank
         */
        public Config {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
            if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("the API key must not be blank");
        }
    }

    private final Http1Server http;
    private final ExecutorService work;
    private final ServerContext ctx;
    private final TokenBudget budget;
    private volatile ServedModels models;
    private volatile boolean stopped;

    private EmbeddingServer(Http1Server http, ExecutorService work, ServerContext ctx, TokenBudget budget) {
        this.http = http;
        this.work = work;
        this.ctx = ctx;
        this.budget = budget;
    }

    /**
     * Binds and starts answering; embedding routes say 503 until {@link #ready}.
     *
     * @param config where and how to listen
     * @return the running server; call {@link #ready} with the models, {@link #stop} at the end
     * @throws IOException if the address cannot be bound
     */
    public static EmbeddingServer start(Config config) throws IOException {
        return start(config, HttpBounds.defaults());
    }

    /** With other HTTP bounds (tests shorten them). */
    static EmbeddingServer start(Config config, HttpBounds bounds) throws IOException {
        TokenBudget budget = new TokenBudget(config.limits().maxQueuedTokens());
        ServerContext ctx = new ServerContext(config.limits(), new Metrics(budget::held), config.apiKey());
        ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("egemma-embed-", 0).factory());
        List<Route> routes = List.of(new OpenAiEmbeddingsRoute(ctx), new OllamaEmbedRoute(ctx),
                new TeiEmbedRoute(ctx), new TeiChunksRoute(ctx), new TeiTokenizeRoute(ctx), new TeiDecodeRoute(ctx), new TeiInfoRoute(ctx), new ModelsRoute(ctx),
                HealthRoute.liveness(ctx), HealthRoute.readiness(ctx), new MetricsRoute(ctx));
        Route unknown = new UnknownRoute(ctx);
        Http1Server http = Http1Server.start(config.host(), config.port(), bounds,
                ex -> routes.stream().filter(r -> r.matches(ex.path())).findFirst().orElse(unknown).handle(ex));
        return new EmbeddingServer(http, work, ctx, budget);
    }

    /**
     * Starts serving {@code models} (the server owns them from now on and closes them on {@link #stop}).
     *
     * @param models the models to serve
     * @throws IllegalStateException if the server is stopped (the models are then closed)
     */
    public void ready(ServedModels models) {
        if (stopped) {
            models.close();
            throw new IllegalStateException("the server is stopped");
        }
        this.models = models;
        ctx.ready(models, new EmbeddingService(models, ctx.limits(), ctx.metrics(), budget, work));
        work.submit(() -> warmUp(models)); // on the model workers: stop waits for it before closing the models
    }

    /**
     * Embeds one text with each model, then marks the server ready. In the background: requests are served
     * meanwhile (the first ones just slower), only {@code /ready} waits. A model whose warm-up fails keeps the
     * server not ready: it would fail its clients too.
     */
    private void warmUp(ServedModels models) {
        for (var e : models.all().entrySet()) {
            try {
                e.getValue().warmUp();
            } catch (dev.egemma.NonFiniteEmbeddingException err) { // the model's fault, said in full by the message
                LOG.log(System.Logger.Level.ERROR, "warm-up of model '" + e.getKey() + "' failed; /ready stays 503: " + err.getMessage());
                return;
            } catch (RuntimeException | Error err) {
                if (!stopped) LOG.log(System.Logger.Level.ERROR, "warm-up of model '" + e.getKey() + "' failed; /ready stays 503", err);
                return;
            }
        }
        ctx.warm();
    }

    /**
     * The bound port (useful with port 0).
     *
     * @return the TCP port the server listens on
     */
    public int port() {
        return http.port();
    }

    /**
     * {@code http://host:port}.
     *
     * @return the base URI of the server, e.g. {@code http://127.0.0.1:8080}
     */
    public URI uri() {
        String host = http.address().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /**
     * Graceful stop, a drain: stop listening, close idle connections and those still sending a request, let the
     * requests in flight finish (answered with {@code Connection: close}) for up to {@code grace}, then cut what is
     * still running and close the models. Returns as soon as the requests in flight are done. Idempotent.
     *
     * @param grace how long the requests in flight may take to finish
     */
    public synchronized void stop(Duration grace) {
        if (stopped) return;
        stopped = true;
        ctx.stopping();
        long deadline = System.nanoTime() + grace.toNanos();
        boolean drained = http.stop(grace);
        work.shutdown(); // after the drain: a request in flight may still submit its work
        try {
            if (!work.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) drained = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!drained) LOG.log(System.Logger.Level.WARNING, "requests still running after the " + grace.toSeconds() + " s grace period; cut");
        work.shutdownNow();
        ServedModels m = models;
        if (m != null && work.isTerminated()) m.close();
        // else: a model call is still running; leave its mapping alone (closing it under a running forward pass
        // would fault) and let process exit reclaim it
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
