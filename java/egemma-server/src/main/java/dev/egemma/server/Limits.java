// SPDX-License-Identifier: Apache-2.0
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
    /**
     * Checks the limits.
     *
     * @throws IllegalArgumentException if a limit is below 1 ({@code maxTokensPerInput} below 3), or the timeout is
     *                                  not positive
     * @throws NullPointerException     if {@code requestTimeout} is null
     */
    public Limits {
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
        if (maxInputs < 1) throw new IllegalArgumentException("max inputs must be >= 1, got " + maxInputs);
        if (maxTokensPerInput < 3) throw new IllegalArgumentException("max tokens per input must be >= 3 (BOS, one token, EOS), got " + maxTokensPerInput);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
        if (maxQueuedTokens < 1) throw new IllegalArgumentException("max queued tokens must be >= 1, got " + maxQueuedTokens);
    }

    /**
     * 8 MiB bodies, 2,048 inputs (OpenAI's cap), 2,048 tokens (the context), 60 s, 262,144 queued tokens.
     *
     * @return the default limits
     */
    public static Limits defaults() {
        return new Limits(8L << 20, 2048, 2048, Duration.ofSeconds(60), 1L << 18);
    }

    /**
     * A copy with another {@code maxBodyBytes}; these limits are unchanged.
     *
     * @param v request body size in bytes, &gt;= 1
     * @return new limits, equal to these but for {@code maxBodyBytes}
     */
    public Limits withMaxBodyBytes(long v) { return new Limits(v, maxInputs, maxTokensPerInput, requestTimeout, maxQueuedTokens); }
    /**
     * A copy with another {@code maxInputs}; these limits are unchanged.
     *
     * @param v inputs per request, &gt;= 1
     * @return new limits, equal to these but for {@code maxInputs}
     */
    public Limits withMaxInputs(int v) { return new Limits(maxBodyBytes, v, maxTokensPerInput, requestTimeout, maxQueuedTokens); }
    /**
     * A copy with another {@code maxTokensPerInput}; these limits are unchanged.
     *
     * @param v tokens per input, special tokens included, &gt;= 3
     * @return new limits, equal to these but for {@code maxTokensPerInput}
     */
    public Limits withMaxTokensPerInput(int v) { return new Limits(maxBodyBytes, maxInputs, v, requestTimeout, maxQueuedTokens); }
    /**
     * A copy with another {@code requestTimeout}; these limits are unchanged.
     *
     * @param v time from admission to embeddings, positive
     * @return new limits, equal to these but for {@code requestTimeout}
     */
    public Limits withRequestTimeout(Duration v) { return new Limits(maxBodyBytes, maxInputs, maxTokensPerInput, v, maxQueuedTokens); }
    /**
     * A copy with another {@code maxQueuedTokens}; these limits are unchanged.
     *
     * @param v tokens admitted but not yet embedded, &gt;= 1
     * @return new limits, equal to these but for {@code maxQueuedTokens}
     */
    public Limits withMaxQueuedTokens(long v) { return new Limits(maxBodyBytes, maxInputs, maxTokensPerInput, requestTimeout, v); }
}
