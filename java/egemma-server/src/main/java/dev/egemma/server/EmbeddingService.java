// SPDX-License-Identifier: Apache-2.0
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
import java.util.function.BooleanSupplier;

/**
 * The API-independent part of an embeddings request: pick the model, tokenize (task prompt applied), enforce the
 * token limits, admit by token budget, embed within the timeout, cut to the requested dimensions. Work nobody
 * waits for any more (timeout, client gone, stop) is cancelled and its tokens released at once.
 */
final class EmbeddingService {
    /** How often a request waiting on the model checks that its client is still there. */
    private static final long CLIENT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

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

    /** {@code clientGone} is polled while the model works; when it says true the work is cancelled. */
    Result embed(EmbedRequest r, BooleanSupplier clientGone, RequestTrace trace) throws ClientGoneException {
        Map.Entry<String, EmbeddingModelHandle> entry = model(r.model(), r.dimensions(), trace);
        EmbeddingModelHandle m = entry.getValue();
        if (r.inputs().size() > limits.maxInputs())
            throw ApiException.badRequest("'input' has " + r.inputs().size() + " items; this server accepts at most " + limits.maxInputs() + " per request", "input", "too_many_inputs");
        int maxTokens = Math.min(limits.maxTokensPerInput(), m.contextLength());
        List<int[]> sequences = new ArrayList<>(r.inputs().size());
        long tokens = 0, t0 = System.nanoTime();
        for (int i = 0; i < r.inputs().size(); i++) {
            int[] ids = switch (r.inputs().get(i)) {
                case EmbedRequest.Text t -> text(m, r, t.text(), maxTokens, i);
                case EmbedRequest.Tokens t -> tokens(m, r, t.ids(), maxTokens, i);
            };
            sequences.add(ids);
            tokens += ids.length;
        }
        trace.tokenized(tokens, System.nanoTime() - t0);
        TokenBudget.Lease lease = admit(tokens, "input");
        float[][] vectors = run(() -> m.embed(sequences, r.normalize(), r.dimensions()), lease, clientGone, trace);
        metrics.embedded(entry.getKey(), sequences.size(), tokens);
        return new Result(entry.getKey(), vectors, tokens);
    }

    /** The chunks of each text of a request, with the tokens the model ran for them. */
    record ChunkResult(String model, List<List<dev.egemma.Chunking.Chunk>> chunks, long promptTokens) {}

    /**
     * {@code POST /embed_chunks}: every text cut into chunks ({@link dev.egemma.Chunking}), admitted by the tokens the
     * model will run (each chunk's own, with BOS, prompt and EOS; or each text once, late), embedded within the
     * timeout and cancelled like any other request.
     */
    ChunkResult chunks(ChunkRequest r, BooleanSupplier clientGone, RequestTrace trace) throws ClientGoneException {
        Map.Entry<String, EmbeddingModelHandle> entry = model(r.model(), r.dimensions(), trace);
        EmbeddingModelHandle m = entry.getValue();
        long tokens = 0, t0 = System.nanoTime();
        dev.egemma.tokenizer.Tokenizer tok = m.tokenizer();
        int prompt = r.task() == null ? 0 : tok.encode(r.task().apply(""), false, true).length;
        int extra = prompt + (tok.addBos() ? 1 : 0) + (tok.addEos() ? 1 : 0), context = m.contextLength();
        for (int i = 0; i < r.texts().size(); i++) {
            int n = tok.encode(r.texts().get(i), false, true).length;
            if (r.chunking().late()) {
                if (n + extra > context)
                    throw ApiException.badRequest("inputs[" + i + "] has " + (n + extra) + " tokens, more than the context of " + context
                            + " that late chunking runs at once; send \"late_chunking\": false or split it", "inputs", "context_length_exceeded");
                tokens += n + extra;
            } else {
                if (Math.min(n, r.chunking().chunkTokens()) + extra > context)
                    throw ApiException.badRequest("'chunk_tokens' " + r.chunking().chunkTokens() + " plus " + extra
                            + " prompt and special tokens exceed the context of " + context, "chunk_tokens");
                int[] w = r.chunking().windows(n);
                for (int k = 0; k < w.length; k += 2) tokens += w[k + 1] - w[k] + extra;
            }
        }
        trace.tokenized(tokens, System.nanoTime() - t0);
        TokenBudget.Lease lease = admit(tokens, "inputs");
        List<List<dev.egemma.Chunking.Chunk>> out = run(() -> {
            List<List<dev.egemma.Chunking.Chunk>> all = new ArrayList<>(r.texts().size());
            for (String text : r.texts()) all.add(m.embedChunks(text, r.chunking(), r.task(), r.dimensions(), r.normalize()));
            return all;
        }, lease, clientGone, trace);
        metrics.embedded(entry.getKey(), r.texts().size(), tokens);
        return new ChunkResult(entry.getKey(), out, tokens);
    }

    /** The served model a request names (recorded in its trace), checked to have at least {@code dimensions} values. */
    private Map.Entry<String, EmbeddingModelHandle> model(String name, int dimensions, RequestTrace trace) {
        Map.Entry<String, EmbeddingModelHandle> entry = models.resolve(name);
        trace.model(entry.getKey());
        if (dimensions > entry.getValue().dimension())
            throw ApiException.badRequest("'dimensions' " + dimensions + " exceeds model '" + entry.getKey() + "''s width " + entry.getValue().dimension(), "dimensions");
        return entry;
    }

    /** Admits {@code tokens} to the queue: 400 if more than it ever holds, 429 while it is full. */
    private TokenBudget.Lease admit(long tokens, String field) {
        if (tokens > budget.capacity())
            throw ApiException.badRequest("the request has " + tokens + " tokens, more than this server ever queues (" + budget.capacity() + "); split it", field, "too_many_tokens");
        TokenBudget.Lease lease = budget.tryAcquire(tokens);
        if (lease == null)
            throw ApiException.overloaded("the server is busy (" + budget.held() + " of " + budget.capacity() + " tokens queued); retry shortly", 1);
        return lease;
    }

    private static int[] text(EmbeddingModelHandle m, EmbedRequest r, String text, int maxTokens, int i) {
        Encoding e = m.tokenize(r.task() == null ? text : r.task().apply(text), maxTokens);
        if (e.truncated() && !r.truncate())
            throw ApiException.badRequest("input[" + i + "] has " + e.fullLength() + " tokens, more than the limit of " + maxTokens
                    + "; shorten it or send \"truncate\": true", "input", "context_length_exceeded");
        if (e.truncated() && r.keepEnd()) return KeepEnd.cut(m.tokenizer(), m.tokenize(r.task() == null ? text : r.task().apply(text), Integer.MAX_VALUE).ids(), maxTokens);
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

    /**
     * Embeds on a worker, holding the tokens until the model is done. Work given up (timeout, client gone, stop) is
     * cancelled: cancelling the future interrupts the worker, and an interrupted Embedder call computes none of its
     * sequences not yet in a running batch. Its tokens go back then, not when the worker ends: a task cancelled
     * before it started never runs, so it could never give them back itself.
     */
    private <T> T run(java.util.concurrent.Callable<T> job, TokenBudget.Lease lease, BooleanSupplier clientGone, RequestTrace trace)
            throws ClientGoneException {
        Future<Timed<T>> f;
        long submitted = System.nanoTime();
        try {
            f = work.submit(() -> {
                try (lease) {
                    long started = System.nanoTime();
                    return new Timed<>(job.call(), started, System.nanoTime());
                }
            });
        } catch (RuntimeException e) { // rejected: the server is stopping
            lease.close();
            throw ApiException.shuttingDown();
        }
        long deadline = System.nanoTime() + limits.requestTimeout().toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    abandon(f, lease);
                    throw ApiException.unavailable("the embeddings took longer than the server's request timeout of "
                            + limits.requestTimeout().toMillis() + " ms; retry later or send less", "timeout", 5);
                }
                try {
                    Timed<T> t = f.get(Math.min(left, CLIENT_CHECK_NANOS), TimeUnit.NANOSECONDS);
                    trace.embedded(t.started() - submitted, t.ended() - t.started());
                    return t.value();
                } catch (TimeoutException stillWorking) {
                    if (clientGone.getAsBoolean()) {
                        abandon(f, lease);
                        throw new ClientGoneException();
                    }
                }
            }
        } catch (InterruptedException e) { // the stop's grace is over
            abandon(f, lease);
            Thread.currentThread().interrupt();
            throw ApiException.shuttingDown();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof dev.egemma.NonFiniteEmbeddingException nf)
                throw new ApiException(500, "server_error", nf.getMessage(), null, "non_finite_output", 0);
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A model call's result and when it ran (queue time is until it started). */
    private record Timed<T>(T value, long started, long ended) {}

    /** Cancels the work (interrupting it if it runs) and gives its tokens back: nobody will read its result. */
    private static void abandon(Future<?> f, TokenBudget.Lease lease) {
        f.cancel(true);
        lease.close();
    }

    /** The first {@code d} values of each vector, as they are (unnormalized output stays unnormalized). */
    static float[][] prefixes(float[][] full, int d) {
        float[][] out = new float[full.length][];
        for (int i = 0; i < full.length; i++) out[i] = Arrays.copyOf(full[i], d);
        return out;
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
