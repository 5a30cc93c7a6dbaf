// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import dev.egemma.model.Scratch;
import dev.egemma.model.WorkerPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Schedules embedding requests onto the model: requests wait in one queue, and each engine thread repeatedly
 * packs the oldest ones into a micro-batch of at most {@code maxBatchTokens} tokens and runs it with one of at most
 * {@code batchThreads} {@link Scratch}es (so in steady state the activation buffers are reused, not reallocated per
 * batch). A synchronous call that finds the engine idle and fits one batch runs on the calling thread instead.
 *
 * <p>Requests from concurrent callers share batches: a lone async request waits at most {@code maxWait} for
 * company, synchronous work never waits. A request that fails (tokenization, or a batch that throws, which
 * is then retried one sequence at a time) fails only its own future. {@link #close()} drains the queue,
 * {@link #closeNow()} cancels it; both join the engine threads.
 */
public final class EmbeddingEngine implements AutoCloseable {
    private enum State { RUNNING, DRAINING, CANCELLED }

    /** One text (tokens) waiting for its embedding; {@code urgent} requests never wait for company. */
    private record Request(int[] tokens, CompletableFuture<float[]> future, long enqueuedNanos, boolean urgent) {}

    private final EngineOptions options;
    private final Function<String, int[]> tokenizer;
    private final BatchRunner runner;
    private final WorkerPool pool;
    private final long maxWaitNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private long queuedTokens;
    private int queuedUrgent;
    private int running; // batches being computed, by engine threads or by callers (at most batchThreads)
    private final ArrayDeque<Scratch> idleScratch = new ArrayDeque<>(); // one per running batch at most
    private State state = State.RUNNING;
    private final Thread[] threads;

    /**
     * @param tokenizer text to token ids (prompt, special tokens, truncation applied); may throw for one text
     * @param runner    the model: a batch of sequences to finished embeddings
     * @param pool      the model's worker pool, used here to tokenize many texts in parallel
     */
    public EmbeddingEngine(EngineOptions options, Function<String, int[]> tokenizer, BatchRunner runner, WorkerPool pool) {
        this.options = Objects.requireNonNull(options, "options");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.maxWaitNanos = options.maxWait().toNanos();
        this.threads = new Thread[options.batchThreads()];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(this::serve, "egemma-batch-" + i);
            threads[i].setDaemon(true);
        }
        for (Thread t : threads) t.start();
    }

    public EngineOptions options() {
        return options;
    }

    // ---- submitting ----

    /** Embedding of one text, batched with whatever other requests arrive within {@code maxWait}. */
    public CompletableFuture<float[]> submit(String text) {
        int[] ids;
        try {
            ids = tokenizer.apply(text);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return submitTokens(ids, false);
    }

    /** Embedding of one token sequence; {@code urgent} skips the wait for other requests. */
    public CompletableFuture<float[]> submitTokens(int[] tokens, boolean urgent) {
        Request r = new Request(tokens, new CompletableFuture<>(), System.nanoTime(), urgent);
        lock.lock();
        try {
            if (state != State.RUNNING) return CompletableFuture.failedFuture(new RejectedExecutionException("the embedding engine is closed"));
            enqueue(r);
            changed.signal();
        } finally {
            lock.unlock();
        }
        return r.future;
    }

    /** Embeddings of several texts in input order, tokenized in parallel; throws the first text's failure. */
    public float[][] embed(List<String> texts) {
        int[][] ids = new int[texts.size()][];
        RuntimeException[] failures = new RuntimeException[texts.size()];
        tokenizeAll(texts, 0, texts.size(), ids, failures);
        for (RuntimeException f : failures) if (f != null) throw f;
        return embedTokens(Arrays.asList(ids));
    }

    /**
     * Embeddings of several token sequences in input order. They are queued shortest first, so each
     * micro-batch holds sequences of similar length (bucketing); throws the first sequence's failure.
     * An interrupted caller gets a {@link CancellationException} at once, and its sequences not yet in a running
     * batch are never computed.
     */
    public float[][] embedTokens(List<int[]> sequences) {
        int n = sequences.size();
        float[][] direct = runOnCallerIfIdle(sequences);
        if (direct != null) return direct;
        List<CompletableFuture<float[]>> futures = submitSortedByLength(sequences);
        float[][] out = new float[n][];
        try {
            for (int i = 0; i < n; i++) out[i] = await(futures.get(i));
        } catch (RuntimeException | Error e) {
            // the caller gives up (interrupted, or one sequence failed): its sequences still queued are dropped
            // (takeBatch skips done futures), so abandoned work does not keep the model busy
            for (CompletableFuture<float[]> f : futures) f.cancel(false);
            throw e;
        }
        return out;
    }

    /**
     * Embeddings of the texts of {@code source} in order, computed at most {@code streamWindow} texts ahead of
     * the consumer: the source is read only as results are taken (back-pressure), so memory stays bounded
     * for any length. A text that fails throws from {@code next()} at its position; the iterator goes on.
     */
    public Iterator<float[]> stream(Iterator<String> source) {
        return new EmbeddingIterator(this, source, options.streamWindow());
    }

    // ---- helpers used by the stream ----

    /** Tokenizes {@code texts[from..to)} in parallel on the model's pool, each failure kept for its text. */
    void tokenizeAll(List<String> texts, int from, int to, int[][] ids, RuntimeException[] failures) {
        int n = to - from;
        int tasks = Math.min(n, pool.threads() * 4);
        pool.forEach(tasks, t -> {
            int a = from + (int) ((long) n * t / tasks), b = from + (int) ((long) n * (t + 1) / tasks);
            for (int i = a; i < b; i++) {
                try {
                    ids[i - from] = tokenizer.apply(texts.get(i));
                } catch (RuntimeException e) {
                    failures[i - from] = e;
                }
            }
        });
    }

    /**
     * Runs one batch's worth of sequences on the calling thread when the engine is idle (nothing queued, no batch
     * running): a short synchronous request then skips two thread hand-offs (to an engine thread and back), about a
     * millisecond of a 10 ms "Hello world". Null when the engine is busy or the sequences exceed one batch.
     */
    private float[][] runOnCallerIfIdle(List<int[]> sequences) {
        long tokens = 0;
        for (int[] s : sequences) tokens += Objects.requireNonNull(s, "sequence").length;
        if (sequences.isEmpty() || tokens > options.maxBatchTokens()) return null;
        Scratch scratch;
        lock.lock();
        try {
            if (state != State.RUNNING || !queue.isEmpty() || running > 0) return null;
            running++;
            scratch = takeScratch();
        } finally {
            lock.unlock();
        }
        List<Request> batch = new ArrayList<>(sequences.size());
        long now = System.nanoTime();
        for (int[] s : sequences) batch.add(new Request(s, new CompletableFuture<>(), now, true));
        try {
            run(batch, sequences, scratch);
        } finally {
            finished(scratch);
        }
        float[][] out = new float[sequences.size()][];
        for (int i = 0; i < out.length; i++) out[i] = await(batch.get(i).future);
        return out;
    }

    /** An idle batch's activation buffers (callers hold the lock). */
    private Scratch takeScratch() {
        Scratch s = idleScratch.pollFirst();
        return s != null ? s : new Scratch();
    }

    /** A batch is done: its buffers go back and a waiting engine thread may start the next batch. */
    private void finished(Scratch scratch) {
        lock.lock();
        try {
            running--;
            idleScratch.addFirst(scratch);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Queues the sequences shortest first (all or none) and returns their futures in input order. */
    List<CompletableFuture<float[]>> submitSortedByLength(List<int[]> sequences) {
        int n = sequences.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> sequences.get(i).length));
        List<CompletableFuture<float[]>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) futures.add(new CompletableFuture<>());
        long now = System.nanoTime();
        lock.lock();
        try {
            if (state != State.RUNNING) throw new IllegalStateException("the embedding engine is closed");
            for (Integer i : order) enqueue(new Request(Objects.requireNonNull(sequences.get(i), "sequence"), futures.get(i), now, true));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return futures;
    }

    /** The value of a future, its failure rethrown unwrapped when unchecked. */
    static float[] await(CompletableFuture<float[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for an embedding");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new CompletionException(c);
        }
    }

    private void enqueue(Request r) {
        queue.addLast(r);
        queuedTokens += r.tokens.length;
        if (r.urgent) queuedUrgent++;
    }

    // ---- serving ----

    private void serve() {
        List<Request> batch = new ArrayList<>();
        List<int[]> sequences = new ArrayList<>();
        Scratch scratch;
        while ((scratch = takeBatch(batch)) != null) {
            sequences.clear();
            for (Request r : batch) sequences.add(r.tokens);
            try {
                run(batch, sequences, scratch);
            } finally {
                finished(scratch);
            }
            batch.clear();
        }
    }

    /**
     * Blocks until a batch is ready and moves it into {@code batch}; returns the activation buffers to run it with
     * (counted as running), or null when the engine has stopped.
     */
    private Scratch takeBatch(List<Request> batch) {
        lock.lock();
        try {
            while (true) {
                if (queue.isEmpty() && state != State.RUNNING) return null;
                if (queue.isEmpty() || running >= threads.length) { // nothing to do, or a caller's batch holds the last slot
                    changed.awaitUninterruptibly();
                    continue;
                }
                if (state == State.RUNNING && queuedUrgent == 0 && queuedTokens < options.maxBatchTokens()) {
                    long left = queue.peekFirst().enqueuedNanos + maxWaitNanos - System.nanoTime();
                    if (left > 0) {
                        try {
                            changed.awaitNanos(left);
                        } catch (InterruptedException e) {
                            // engine threads are only stopped through state; keep serving
                        }
                        continue;
                    }
                }
                long tokens = 0;
                while (!queue.isEmpty()) {
                    Request r = queue.peekFirst();
                    if (!batch.isEmpty() && tokens + r.tokens.length > options.maxBatchTokens()) break;
                    queue.pollFirst();
                    queuedTokens -= r.tokens.length;
                    if (r.urgent) queuedUrgent--;
                    if (r.future.isDone()) continue; // cancelled by its caller
                    tokens += r.tokens.length;
                    batch.add(r);
                }
                if (!queue.isEmpty()) changed.signal(); // another engine thread may take the rest
                if (batch.isEmpty()) continue;
                running++;
                return takeScratch();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs one batch; if it throws, runs its requests one by one so only the failing one fails. */
    private void run(List<Request> batch, List<int[]> sequences, Scratch scratch) {
        float[][] out;
        try {
            out = runner.run(sequences, scratch);
        } catch (RuntimeException | Error e) {
            if (batch.size() == 1) {
                batch.getFirst().future.completeExceptionally(e);
                return;
            }
            for (Request r : batch) {
                try {
                    r.future.complete(runner.run(List.of(r.tokens), scratch)[0]);
                } catch (RuntimeException | Error e1) {
                    r.future.completeExceptionally(e1);
                }
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) batch.get(i).future.complete(out[i]);
    }

    // ---- shutting down ----

    /** Stops accepting requests, finishes the queued ones, and joins the engine threads. */
    @Override
    public void close() {
        stop(State.DRAINING);
    }

    /** Stops accepting requests, cancels the queued ones (the running batches finish), and joins the engine threads. */
    public void closeNow() {
        stop(State.CANCELLED);
    }

    private void stop(State to) {
        lock.lock();
        try {
            if (state == State.RUNNING) state = to;
            if (to == State.CANCELLED) {
                for (Request r : queue) r.future.completeExceptionally(new CancellationException("the embedding engine was closed"));
                queue.clear();
                queuedTokens = 0;
                queuedUrgent = 0;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread t : threads) WorkerPool.joinUninterruptibly(t); // skips the current thread (closed from a completion callback)
    }
}
