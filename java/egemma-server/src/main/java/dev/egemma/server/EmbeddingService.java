package dev.egemma.server;

import dev.egemma.tokenizer.Encoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The API-independent part of an embeddings request: pick the model, tokenize (task prompt applied), enforce the
 * token limits, admit by token budget, embed within the timeout, cut to the requested dimensions.
 */
final class EmbeddingService {
    /** The embeddings of one request, with the served name of the model that made them. */
    record Result(String model, float[][] vectors, long promptTokens) {}

    private final ServedModels models;
    private final Limits limits;
    private final Metrics metrics;
    private final TokenBudget budget;
    private final ExecutorService work;

    EmbeddingService(ServedModels models, Limits limits, Metrics metrics, TokenBudget budget, ExecutorService work) {
        this.models = models;
        this.limits = limits;
        this.metrics = metrics;
        this.budget = budget;
        this.work = work;
    }

    Result embed(EmbedRequest r) {
        Map.Entry<String, EmbeddingModelHandle> entry = models.resolve(r.model());
        EmbeddingModelHandle m = entry.getValue();
        if (r.dimensions() > m.dimension())
            throw ApiException.badRequest("'dimensions' " + r.dimensions() + " exceeds model '" + entry.getKey() + "''s width " + m.dimension(), "dimensions");
        if (r.inputs().size() > limits.maxInputs())
            throw ApiException.badRequest("'input' has " + r.inputs().size() + " items; this server accepts at most " + limits.maxInputs() + " per request", "input", "too_many_inputs");
        int maxTokens = Math.min(limits.maxTokensPerInput(), m.contextLength());
        List<int[]> sequences = new ArrayList<>(r.inputs().size());
        long tokens = 0;
        for (int i = 0; i < r.inputs().size(); i++) {
            int[] ids = switch (r.inputs().get(i)) {
                case EmbedRequest.Text t -> text(m, r, t.text(), maxTokens, i);
                case EmbedRequest.Tokens t -> tokens(m, r, t.ids(), maxTokens, i);
            };
            sequences.add(ids);
            tokens += ids.length;
        }
        if (tokens > budget.capacity())
            throw ApiException.badRequest("the request has " + tokens + " tokens, more than this server ever queues (" + budget.capacity() + "); split it", "input", "too_many_tokens");
        if (!budget.tryAcquire(tokens))
            throw ApiException.overloaded("the server is busy (" + budget.held() + " of " + budget.capacity() + " tokens queued); retry shortly", 1);
        float[][] full = run(m, sequences, tokens);
        metrics.embedded(entry.getKey(), sequences.size(), tokens);
        return new Result(entry.getKey(), r.dimensions() == 0 ? full : matryoshka(full, r.dimensions()), tokens);
    }

    private static int[] text(EmbeddingModelHandle m, EmbedRequest r, String text, int maxTokens, int i) {
        Encoding e = m.tokenize(r.task() == null ? text : r.task().apply(text), maxTokens);
        if (e.truncated() && !r.truncate())
            throw ApiException.badRequest("input[" + i + "] has " + e.fullLength() + " tokens, more than the limit of " + maxTokens
                    + "; shorten it or send \"truncate\": true", "input", "context_length_exceeded");
        return e.ids();
    }

    private static int[] tokens(EmbeddingModelHandle m, EmbedRequest r, int[] ids, int maxTokens, int i) {
        if (r.task() != null) throw ApiException.badRequest("'task' applies to text inputs; input[" + i + "] is token ids", "task");
        int vocab = m.vocabSize();
        for (int j = 0; j < ids.length; j++)
            if (ids[j] >= vocab) throw ApiException.badRequest("input[" + i + "][" + j + "] = " + ids[j] + " is not a token id (vocabulary size " + vocab + ")", "input");
        if (ids.length <= maxTokens) return ids;
        if (!r.truncate())
            throw ApiException.badRequest("input[" + i + "] has " + ids.length + " tokens, more than the limit of " + maxTokens
                    + "; shorten it or send \"truncate\": true", "input", "context_length_exceeded");
        return Arrays.copyOf(ids, maxTokens);
    }

    /** Embeds on a worker, holding the tokens in the budget until the model is done (even past the timeout). */
    private float[][] run(EmbeddingModelHandle m, List<int[]> sequences, long tokens) {
        Future<float[][]> f;
        try {
            f = work.submit(() -> {
                try {
                    return m.embed(sequences);
                } finally {
                    budget.release(tokens);
                }
            });
        } catch (RuntimeException e) { // rejected: the server is stopping
            budget.release(tokens);
            throw ApiException.unavailable("the server is shutting down", "shutting_down", 1);
        }
        try {
            return f.get(limits.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // not cancelled: a task cancelled before it started would never release its tokens, and one running
            // cannot be stopped mid forward pass anyway; its tokens stay in the budget until it is done
            throw ApiException.unavailable("the embeddings took longer than the server's request timeout of "
                    + limits.requestTimeout().toMillis() + " ms; retry later or send less", "timeout", 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down", "shutting_down", 1);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof dev.egemma.NonFiniteEmbeddingException nf)
                throw new ApiException(500, "server_error", nf.getMessage(), null, "non_finite_output", 0);
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The first {@code d} values of each vector, L2-normalized again (sum in double, as llama.cpp normalizes). */
    static float[][] matryoshka(float[][] full, int d) {
        float[][] out = new float[full.length][];
        for (int i = 0; i < full.length; i++) {
            float[] v = Arrays.copyOf(full[i], d);
            double sum = 0;
            for (float x : v) sum += (double) x * x;
            float scale = sum > 0 ? (float) (1.0 / Math.sqrt(sum)) : 0f;
            for (int j = 0; j < d; j++) v[j] *= scale;
            out[i] = v;
        }
        return out;
    }
}
