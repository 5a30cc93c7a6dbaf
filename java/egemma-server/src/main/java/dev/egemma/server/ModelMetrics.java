// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The per-route, per-model part of the Prometheus metrics: requests by status, tokens, and latency for every
 * request that resolved to a served model, and how long answered ones queued and ran. Labels are only served model
 * names and route paths, so clients cannot grow the label set (an unknown model is a 404 before it gets here).
 */
final class ModelMetrics {
    private static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> tokens = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, Histogram> queue = new ConcurrentHashMap<>();
    private final Map<String, Histogram> inference = new ConcurrentHashMap<>();

    void finished(String route, int status, long nanos, RequestTrace t) {
        String rm = "route=\"" + route + "\",model=\"" + t.model() + "\"";
        requests.computeIfAbsent(rm + ",status=\"" + status + "\"", k -> new LongAdder()).increment();
        latency.computeIfAbsent(rm, k -> new Histogram(SECONDS)).observe(nanos / 1e9);
        if (!t.embedded()) return;
        tokens.computeIfAbsent(rm, k -> new LongAdder()).add(t.tokens());
        String m = "model=\"" + t.model() + "\"";
        queue.computeIfAbsent(m, k -> new Histogram(SECONDS)).observe(t.queueNanos() / 1e9);
        inference.computeIfAbsent(m, k -> new Histogram(SECONDS)).observe(t.inferenceNanos() / 1e9);
    }

    void render(StringBuilder b) {
        counter(b, "egemma_model_requests_total", "Embeddings requests that named a served model, by route, model and status.", requests);
        counter(b, "egemma_model_tokens_total", "Tokens of answered embeddings requests, by route and model.", tokens);
        histograms(b, "egemma_model_request_duration_seconds", "Embeddings request latency by route and model.", latency);
        histograms(b, "egemma_model_queue_seconds", "Time answered requests waited for a model worker, by model.", queue);
        histograms(b, "egemma_model_inference_seconds", "Time answered requests' model calls took, by model.", inference);
    }

    private static void counter(StringBuilder b, String name, String help, Map<String, LongAdder> byLabels) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n");
        for (var e : new TreeMap<>(byLabels).entrySet()) b.append(name).append('{').append(e.getKey()).append("} ").append(e.getValue().sum()).append('\n');
    }

    private static void histograms(StringBuilder b, String name, String help, Map<String, Histogram> byLabels) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" histogram\n");
        for (var e : new TreeMap<>(byLabels).entrySet()) e.getValue().render(b, name, e.getKey());
    }
}
