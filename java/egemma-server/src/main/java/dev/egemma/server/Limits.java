package dev.egemma.server;

import java.time.Duration;

/**
 * What one request may ask of the server.
 *
 * @param maxBodyBytes       request body size (larger: 413)
 * @param maxInputs          inputs per request (more: 400)
 * @param maxTokensPerInput  tokens per input, special tokens included, capped by the model's context; longer inputs
 *                           are truncated, or rejected with 400 when the request says {@code "truncate": false}
 * @param requestTimeout     time from the request's admission to its embeddings (exceeded: 503)
 * @param maxQueuedTokens    tokens admitted but not yet embedded, over all requests and models; a request that
 *                           would go beyond it gets 503 with Retry-After
 */
public record Limits(long maxBodyBytes, int maxInputs, int maxTokensPerInput, Duration requestTimeout, long maxQueuedTokens) {
    public Limits {
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
        if (maxInputs < 1) throw new IllegalArgumentException("max inputs must be >= 1, got " + maxInputs);
        if (maxTokensPerInput < 3) throw new IllegalArgumentException("max tokens per input must be >= 3 (BOS, one token, EOS), got " + maxTokensPerInput);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
        if (maxQueuedTokens < 1) throw new IllegalArgumentException("max queued tokens must be >= 1, got " + maxQueuedTokens);
    }

    /** 8 MiB bodies, 2,048 inputs (OpenAI's cap), 2,048 tokens (the context), 60 s, 262,144 queued tokens. */
    public static Limits defaults() {
        return new Limits(8L << 20, 2048, 2048, Duration.ofSeconds(60), 1L << 18);
    }

    public Limits withMaxBodyBytes(long v) { return new Limits(v, maxInputs, maxTokensPerInput, requestTimeout, maxQueuedTokens); }
    public Limits withMaxInputs(int v) { return new Limits(maxBodyBytes, v, maxTokensPerInput, requestTimeout, maxQueuedTokens); }
    public Limits withMaxTokensPerInput(int v) { return new Limits(maxBodyBytes, maxInputs, v, requestTimeout, maxQueuedTokens); }
    public Limits withRequestTimeout(Duration v) { return new Limits(maxBodyBytes, maxInputs, maxTokensPerInput, v, maxQueuedTokens); }
    public Limits withMaxQueuedTokens(long v) { return new Limits(maxBodyBytes, maxInputs, maxTokensPerInput, requestTimeout, v); }
}
