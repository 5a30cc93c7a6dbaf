// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.concurrent.atomic.AtomicReference;

/** What the routes share: limits, metrics, the API key, and the embedding service once the models are loaded. */
final class ServerContext {
    private final Limits limits;
    private final Metrics metrics;
    private final String apiKey;
    private final long startedEpochSeconds = System.currentTimeMillis() / 1000;
    private final AtomicReference<EmbeddingService> service = new AtomicReference<>();
    private final AtomicReference<ServedModels> models = new AtomicReference<>();
    private volatile boolean warm, stopping;

    ServerContext(Limits limits, Metrics metrics, String apiKey) {
        this.limits = limits;
        this.metrics = metrics;
        this.apiKey = apiKey;
    }

    Limits limits() {
        return limits;
    }

    Metrics metrics() {
        return metrics;
    }

    String apiKey() {
        return apiKey;
    }

    long startedEpochSeconds() {
        return startedEpochSeconds;
    }

    void ready(ServedModels m, EmbeddingService s) {
        models.set(m);
        service.set(s);
    }

    /** Every served model has embedded its warm-up text. */
    void warm() {
        warm = true;
    }

    /** The server is draining: not ready any more, so that a load balancer stops sending to it. */
    void stopping() {
        stopping = true;
    }

    /** What {@code /ready} says: "ok" only when loaded, warmed up and not stopping; else why not. */
    String readiness() {
        if (stopping) return "stopping";
        if (models.get() == null) return "loading";
        return warm ? "ok" : "warming";
    }

    /** The models, or null while loading. */
    ServedModels models() {
        return models.get();
    }

    /** The service; 503 while the models are loading. */
    EmbeddingService service() {
        EmbeddingService s = service.get();
        if (s == null) throw ApiException.unavailable("the models are still loading; retry shortly", "loading", 2);
        return s;
    }
}
