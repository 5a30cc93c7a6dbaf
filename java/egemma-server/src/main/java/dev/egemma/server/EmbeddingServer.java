package dev.egemma.server;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The embedding server: the JDK's {@code com.sun.net.httpserver} with one virtual thread per exchange, so a request
 * waiting on the model holds no platform thread, and the model's own worker pool does the computing.
 *
 * <p>Lifecycle: {@link #start} binds and answers at once ({@code /health} says 503 "loading"); {@link #ready} hands
 * over the loaded models; {@link #stop} stops accepting, lets in-flight requests finish, then closes the models.
 */
public final class EmbeddingServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddingServer.class.getName());

    /** Where and how to listen. {@code apiKey} null for no authentication; {@code port} 0 for any free port. */
    public record Config(String host, int port, String apiKey, Limits limits) {
        public Config {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
            if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("the API key must not be blank");
        }
    }

    private final HttpServer http;
    private final ExecutorService exchanges;
    private final ExecutorService work;
    private final ServerContext ctx;
    private final TokenBudget budget;
    private volatile ServedModels models;
    private volatile boolean stopped;

    private EmbeddingServer(HttpServer http, ExecutorService exchanges, ExecutorService work, ServerContext ctx, TokenBudget budget) {
        this.http = http;
        this.exchanges = exchanges;
        this.work = work;
        this.ctx = ctx;
        this.budget = budget;
    }

    /** Binds and starts answering; embedding routes say 503 until {@link #ready}. */
    public static EmbeddingServer start(Config config) throws IOException {
        TokenBudget budget = new TokenBudget(config.limits().maxQueuedTokens());
        ServerContext ctx = new ServerContext(config.limits(), new Metrics(budget::held), config.apiKey());
        HttpServer http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
        ExecutorService exchanges = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("egemma-http-", 0).factory());
        ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("egemma-embed-", 0).factory());
        http.setExecutor(exchanges);
        http.createContext("/v1/embeddings", new OpenAiEmbeddingsRoute(ctx));
        http.createContext("/api/embed", new OllamaEmbedRoute(ctx));
        http.createContext("/v1/models", new ModelsRoute(ctx));
        http.createContext("/health", new HealthRoute(ctx));
        http.createContext("/metrics", new MetricsRoute(ctx));
        http.createContext("/", new UnknownRoute(ctx));
        http.start();
        return new EmbeddingServer(http, exchanges, work, ctx, budget);
    }

    /** Starts serving {@code models} (the server owns them from now on and closes them on {@link #stop}). */
    public void ready(ServedModels models) {
        if (stopped) {
            models.close();
            throw new IllegalStateException("the server is stopped");
        }
        this.models = models;
        ctx.ready(models, new EmbeddingService(models, ctx.limits(), ctx.metrics(), budget, work));
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        InetSocketAddress a = http.getAddress();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
    }

    /**
     * Graceful stop: close the listening socket, wait up to {@code grace} for in-flight exchanges, then close the
     * models. Idempotent.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) return;
        stopped = true;
        long deadline = System.nanoTime() + grace.toNanos();
        // HttpServer.stop closes the listener at once and returns when all exchanges are done or the delay passed.
        http.stop((int) Math.max(1, Math.min(Integer.MAX_VALUE, grace.toSeconds())));
        exchanges.shutdown();
        work.shutdown();
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!exchanges.awaitTermination(left, TimeUnit.NANOSECONDS) || !work.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
                LOG.log(System.Logger.Level.WARNING, "requests still running after the " + grace.toSeconds() + " s grace period; closing anyway");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exchanges.shutdownNow();
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
