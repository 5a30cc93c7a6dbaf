// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The server's Prometheus metrics (text exposition format 0.0.4): requests by route and status, input tokens and
 * embedded inputs by model, inputs per model call (batch size), tokens and requests waiting, request latency; and
 * per route and model, {@link ModelMetrics}.
 */
final class Metrics {
    private static final double[] LATENCY_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final double[] BATCH_INPUTS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> inputTokens = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> inputs = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchInputs = new Histogram(BATCH_INPUTS);
    private final LongAdder inFlight = new LongAdder();
    private final ModelMetrics byModel = new ModelMetrics();
    private final LongSupplier queuedTokens;

    Metrics(LongSupplier queuedTokens) {
        this.queuedTokens = queuedTokens;
    }

    void requestStarted() {
        inFlight.increment();
    }

    void requestFinished(String route, int status, long nanos) {
        inFlight.decrement();
        requests.computeIfAbsent(route + "\u0000" + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(route, k -> new Histogram(LATENCY_SECONDS)).observe(nanos / 1e9);
    }

    /** A request that resolved to a served model (after {@link #requestFinished} counted it by route). */
    void modelRequestFinished(String route, int status, long nanos, RequestTrace trace) {
        byModel.finished(route, status, nanos, trace);
    }

    void embedded(String model, int inputCount, long tokens) {
        inputTokens.computeIfAbsent(model, k -> new LongAdder()).add(tokens);
        inputs.computeIfAbsent(model, k -> new LongAdder()).add(inputCount);
        batchInputs.observe(inputCount);
    }

    String render() {
        StringBuilder b = new StringBuilder(4096);
        b.append("# HELP egemma_http_requests_total HTTP requests by route and status.\n# TYPE egemma_http_requests_total counter\n");
        for (var e : new TreeMap<>(requests).entrySet()) {
            String[] rs = e.getKey().split("\u0000");
            b.append("egemma_http_requests_total{route=\"").append(rs[0]).append("\",status=\"").append(rs[1]).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        counter(b, "egemma_input_tokens_total", "Tokens embedded, special tokens included, by model.", inputTokens);
        counter(b, "egemma_inputs_total", "Inputs (texts or token lists) embedded, by model.", inputs);
        b.append("# HELP egemma_batch_inputs Inputs per call into a model.\n# TYPE egemma_batch_inputs histogram\n");
        batchInputs.render(b, "egemma_batch_inputs", "");
        b.append("# HELP egemma_queued_tokens Tokens admitted and not yet embedded (the queue depth).\n# TYPE egemma_queued_tokens gauge\n");
        b.append("egemma_queued_tokens ").append(queuedTokens.getAsLong()).append('\n');
        b.append("# HELP egemma_requests_in_flight Requests being handled.\n# TYPE egemma_requests_in_flight gauge\n");
        b.append("egemma_requests_in_flight ").append(inFlight.sum()).append('\n');
        b.append("# HELP egemma_request_duration_seconds Request latency by route.\n# TYPE egemma_request_duration_seconds histogram\n");
        for (var e : new TreeMap<>(latency).entrySet()) e.getValue().render(b, "egemma_request_duration_seconds", "route=\"" + e.getKey() + "\"");
        byModel.render(b);
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, Map<String, LongAdder> byModel) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n");
        for (var e : new TreeMap<>(byModel).entrySet())
            b.append(name).append("{model=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
    }
}
