// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.engine.CallGate;
import dev.egemma.engine.EmbeddingEngine;
import dev.egemma.engine.EngineOptions;
import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.Backends;
import dev.egemma.kernels.Kernels;
import dev.egemma.model.EmbeddingGemma;
import dev.egemma.model.LayerObserver;
import dev.egemma.model.ModelConfig;
import dev.egemma.model.ModelWeights;
import dev.egemma.model.WorkerPool;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.Truncation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * EmbeddingGemma embeddings from a GGUF file, as llama.cpp computes them. Thread-safe: any number of threads may
 * call the {@code embed} methods at once; they share the model's worker pool. Close to unmap the file and stop
 * the pool.
 */
public final class Embedder implements AutoCloseable {
    /** The logger, made when something is logged: System.getLogger takes ~12 ms in a cold JVM, and most opens log nothing. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Embedder.class.getName());
    }

    /** Message when the GGUF lacks dense_2/dense_3 (issued once per opened model). */
    public static final String NO_DENSE_WARNING = "this GGUF has no dense_2/dense_3 tensors: embeddings are the mean-pooled "
            + "outputs before the sentence-transformers Dense projections and will not match sentence-transformers' EmbeddingGemma";

    /**
     * How an {@link Embedder} is opened: kernels, threads, batching, truncation, output width and normalization,
     * default task. Start from {@link #defaults()} and change one setting at a time with the {@code with...}
     * methods.
     *
     * @param backend        kernels to use
     * @param threads        compute threads (>= 1)
     * @param maxBatchTokens tokens of several texts run through the matrix products together (>= 1; a longer
     *                       single text still runs, alone)
     * @param truncation     what to do with texts longer than the model's context (2048 tokens)
     * @param normalize      L2-normalize the output (llama.cpp's default)
     * @param dimension      output dimension (Matryoshka: the first {@code dimension} values, then re-normalized);
     *                       0 for the model's full width
     * @param task           prompt prefix applied to texts by {@link #embed(String)}; null for none
     * @param q8Order        float order of the Q8_0 matrix products, on either backend; null for the process default
     *                       ({@code -Degemma.q8Order} / {@code EGEMMA_Q8_ORDER}, else {@link Q8Order#BLOCK}: the same
     *                       bits on both backends and every tier). {@link Q8Order#X86} for llama.cpp's x86 bits.
     */
    public record Options(Backend backend, int threads, int maxBatchTokens, Truncation truncation, boolean normalize,
                          int dimension, Task task, Q8Order q8Order) {
        /**
         * Checks the settings.
         *
         * @throws NullPointerException     if {@code backend} or {@code truncation} is null
         * @throws IllegalArgumentException if {@code threads} is outside 1..{@link #maxThreads()},
         *                                  {@code maxBatchTokens} is below 1 or {@code dimension} is negative
         */
        public Options {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(truncation, "truncation");
            if (threads < 1 || threads > maxThreads())
                throw new IllegalArgumentException("threads must be 1.." + maxThreads() + " (" + THREADS_PER_PROCESSOR + " x the "
                        + Runtime.getRuntime().availableProcessors() + " processors this JVM may use), got " + threads);
            if (maxBatchTokens < 1) throw new IllegalArgumentException("maxBatchTokens must be >= 1, got " + maxBatchTokens);
            if (dimension < 0) throw new IllegalArgumentException("dimension must be >= 0 (0 = full), got " + dimension);
        }

        /**
         * Threads beyond the processors only slow the forward pass (its pool spins between steps and waits for every
         * task of a step; on 2 vCPUs, 16 threads ran at half the speed of 2 and 64 at a fifth) and each one costs a
         * stack: a bound keeps {@code --threads 10000} from starting threads for minutes. The factor leaves room for
         * a container whose processor count is lower than the cores it really gets.
         */
        public static final int THREADS_PER_PROCESSOR = 4;

        /**
         * The most threads an Embedder accepts: {@link #THREADS_PER_PROCESSOR} x the available processors.
         *
         * @return the largest valid {@code threads}, at least {@link #THREADS_PER_PROCESSOR}
         */
        public static int maxThreads() {
            return THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
        }

        /**
         * AUTO backend, all available processors, 1024 batch tokens, truncate, normalize, full width, no task, the
         * process's Q8_0 order. 1024: on the 300M model (2 threads, native) budgets of 512 to 8192 gave the same
         * tokens/s within noise (1,500-1,570 on the 1,000-line corpus, 1024 highest) while peak RSS grew from 445 to
         * 870 MiB; see the README.
         *
         * @return the default options (validated, so they open as they are)
         */
        public static Options defaults() {
            return new Options(Backend.AUTO, Runtime.getRuntime().availableProcessors(), 1024, Truncation.TRUNCATE, true, 0, null, null);
        }

        /**
         * A copy with another {@code backend}; these options are unchanged.
         *
         * @param b the kernels to use
         * @return new options, equal to these but for {@code backend}
         */
        public Options withBackend(Backend b) { return new Options(b, threads, maxBatchTokens, truncation, normalize, dimension, task, q8Order); }
        /**
         * A copy with another {@code threads}; these options are unchanged.
         *
         * @param t compute threads, 1..{@link #maxThreads()}
         * @return new options, equal to these but for {@code threads}
         * @throws IllegalArgumentException if {@code t} is out of range
         */
        public Options withThreads(int t) { return new Options(backend, t, maxBatchTokens, truncation, normalize, dimension, task, q8Order); }
        /**
         * A copy with another {@code maxBatchTokens}; these options are unchanged.
         *
         * @param n token budget of one batched forward pass (&gt;= 1; a longer single text still runs, alone)
         * @return new options, equal to these but for {@code maxBatchTokens}
         * @throws IllegalArgumentException if {@code n} is below 1
         */
        public Options withMaxBatchTokens(int n) { return new Options(backend, threads, n, truncation, normalize, dimension, task, q8Order); }
        /**
         * A copy with another {@code truncation}; these options are unchanged.
         *
         * @param t what to do with texts longer than the model's context
         * @return new options, equal to these but for {@code truncation}
         */
        public Options withTruncation(Truncation t) { return new Options(backend, threads, maxBatchTokens, t, normalize, dimension, task, q8Order); }
        /**
         * A copy with another {@code normalize}; these options are unchanged.
         *
         * @param n true to L2-normalize the output vectors, false to return them as the model computes them
         * @return new options, equal to these but for {@code normalize}
         */
        public Options withNormalize(boolean n) { return new Options(backend, threads, maxBatchTokens, truncation, n, dimension, task, q8Order); }
        /**
         * A copy with another {@code dimension}; these options are unchanged.
         *
         * @param d output width (Matryoshka: the first {@code d} values, then re-normalized); 0 for the model's full
         *          width
         * @return new options, equal to these but for {@code dimension}
         * @throws IllegalArgumentException if {@code d} is negative (a width above the model's fails at open)
         */
        public Options withDimension(int d) { return new Options(backend, threads, maxBatchTokens, truncation, normalize, d, task, q8Order); }
        /**
         * A copy with another {@code task}; these options are unchanged.
         *
         * @param t prompt prefix applied by the text {@code embed} methods; null for none
         * @return new options, equal to these but for {@code task}
         */
        public Options withTask(Task t) { return new Options(backend, threads, maxBatchTokens, truncation, normalize, dimension, t, q8Order); }
        /**
         * A copy with another {@code q8Order}; these options are unchanged.
         *
         * @param o float order of the Q8_0 matrix products; null for the process default
         * @return new options, equal to these but for {@code q8Order}
         */
        public Options withQ8Order(Q8Order o) { return new Options(backend, threads, maxBatchTokens, truncation, normalize, dimension, task, o); }
    }

    private final GgufFile file;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private final EmbeddingGemma model;
    private final Options options;
    private final int dimension;
    private final EmbeddingEngine engine;
    private final CallGate calls = new CallGate("the embedder is closed");

    private Embedder(GgufFile file, ModelWeights weights, Tokenizer tokenizer, WorkerPool pool, EmbeddingGemma model, Options options,
                     EngineOptions engineOptions) {
        this.file = file;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.model = model;
        this.options = options;
        int full = weights.outputDim();
        if (options.dimension() > full)
            throw new IllegalArgumentException("dimension " + options.dimension() + " exceeds the model's output width " + full);
        this.dimension = options.dimension() == 0 ? full : options.dimension();
        this.engine = new EmbeddingEngine(engineOptions, this::tokenizeOpen, this::runBatch, pool);
    }

    /**
     * Opens a gemma-embedding GGUF (the file stays mapped until {@link #close()}).
     *
     * @param gguf    path of the model file
     * @param options how to run it ({@link Options#defaults()} for the usual)
     * @return an open Embedder; close it when done
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if the file is no usable gemma-embedding GGUF, or {@code options.dimension()}
     *                                  exceeds the model's width
     */
    public static Embedder open(Path gguf, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        return open(gguf, options, EngineOptions.of(options.maxBatchTokens()));
    }

    /**
     * As {@link #open(Path, Options)} with explicit scheduling settings (their token budget wins).
     *
     * @param gguf          path of the model file
     * @param options       how to run it
     * @param engineOptions scheduling settings (internal type: for tests and tools on the class path)
     * @return an open Embedder; close it when done
     * @throws IOException if the file cannot be read
     */
    @SuppressWarnings("exports") // dev.egemma.engine is internal: scheduling knobs for tests and tools on the class path
    public static Embedder open(Path gguf, Options options, EngineOptions engineOptions) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(engineOptions, "engineOptions");
        CompletableFuture<Kernels> kernels = startKernels(options);
        GgufFile f = GgufFile.open(gguf);
        WorkerPool pool = null;
        Kernels k = null;
        try {
            ModelConfig c = ModelConfig.from(f);
            ModelWeights w = ModelWeights.bind(f, c);
            Tokenizer tok = Tokenizer.fromGguf(f);
            f.releaseMetadataPages(); // read: the tokenizer holds what it needs
            k = joinKernels(kernels);
            if (k instanceof dev.egemma.kernels.ffm.NativeKernels n) n.usePackCache(gguf, w.products()); // packed once per model file
            pool = new WorkerPool(options.threads());
            Embedder e = new Embedder(f, w, tok, pool, new EmbeddingGemma(w, k, pool), options, engineOptions);
            if (!w.hasDense()) Log.LOG.log(System.Logger.Level.WARNING, gguf.getFileName() + ": " + NO_DENSE_WARNING);
            String delegated = delegationWarning(k, w);
            if (delegated != null) Log.LOG.log(System.Logger.Level.WARNING, gguf.getFileName() + ": " + delegated);
            return e;
        } catch (RuntimeException | Error ex) {
            if (pool != null) pool.close();
            closeFile(k, f);
            throw ex;
        }
    }

    /**
     * The one warning for a model some of whose products the chosen backend hands to slower kernels (the native backend
     * has no kernel for K-quants, Q4_0, ... yet: the Java kernels compute them), naming the types; null when none.
     */
    static String delegationWarning(Kernels k, ModelWeights w) {
        java.util.Set<dev.egemma.gguf.GgmlType> types = k.delegatedTypes(w.matrixTypes());
        if (types.isEmpty()) return null;
        String by = k instanceof dev.egemma.kernels.ffm.NativeKernels n ? n.fallback().name() : "other kernels";
        return k.name() + " has no kernels for " + types + " weights yet: those products run on " + by + ", the rest natively";
    }

    /**
     * The kernels, made on a helper thread while the caller reads the model file (in a cold JVM, loading libegemma and
     * linking its functions take ~0.1 s, reading the file and its vocabulary as long). The helper then readies the
     * first forward pass (links its functions, builds the GELU table), so that it does not.
     */
    private static CompletableFuture<Kernels> startKernels(Options o) {
        KernelStart start = new KernelStart(o);
        Thread.ofPlatform().daemon().name("egemma-open").start(start);
        return start.kernels;
    }

    /**
     * The helper's work. A class, not a lambda: the JVM's first lambda costs ~11 ms (the lambda machinery starts), and
     * this was the first of an open; the helper's own (it links libegemma's functions) now pay that beside the caller.
     */
    private static final class KernelStart implements Runnable {
        final CompletableFuture<Kernels> kernels = new CompletableFuture<>();
        private final Options options;

        KernelStart(Options options) {
            this.options = options;
        }

        @Override
        public void run() {
            Kernels k;
            try {
                k = kernels(options);
            } catch (Throwable t) {
                kernels.completeExceptionally(t);
                return;
            }
            kernels.complete(k);
            if (k instanceof dev.egemma.kernels.ffm.NativeKernels n) n.prepareForwardPass();
        }
    }

    private static Kernels joinKernels(CompletableFuture<Kernels> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    private static Kernels kernels(Options o) {
        // one kernel set per model: the native one keeps this model's repacked weights
        return Backends.newKernels(Backends.Requested.valueOf(o.backend().name()), o.q8Order());
    }

    /**
     * The embedding of one text, with the default task's prompt if one is set.
     *
     * @param text the text (truncated or rejected past the context as {@link Options#truncation()} says)
     * @return a new vector of {@link #dimension()} floats, L2-normalized when the options normalize
     */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /**
     * Embeddings of several texts (default task's prompt applied), in input order.
     *
     * @param texts the texts; may be empty
     * @return one vector per text, as {@link #embed(String)} gives it
     */
    public float[][] embed(List<String> texts) {
        calls.enter();
        try {
            return engine.embed(texts);
        } finally {
            calls.exit();
        }
    }

    /**
     * The embedding of one text, computed together with other concurrent requests (dynamic batching). A text
     * that cannot be embedded (e.g. too long with {@link Truncation#ERROR}) fails only its own future; after
     * {@link #close()} the future fails with a {@code RejectedExecutionException}.
     *
     * @param text the text
     * @return a future completed with the vector {@link #embed(String)} would give
     */
    public CompletableFuture<float[]> embedAsync(String text) {
        if (!calls.tryEnter()) return CompletableFuture.failedFuture(new java.util.concurrent.RejectedExecutionException(calls.closedMessage()));
        CompletableFuture<float[]> f;
        try {
            f = engine.submit(text);
        } catch (RuntimeException | Error e) {
            calls.exit();
            throw e;
        }
        f.whenComplete((v, e) -> calls.exit()); // f itself is returned: cancelling it still drops the queued request
        return f;
    }

    /**
     * Embeddings of {@code texts} in order, read lazily with a bounded number in flight (see {@link EmbeddingEngine#stream}).
     *
     * @param texts the texts, read as the result is consumed
     * @return one vector per text, in input order
     */
    public Iterator<float[]> embedStream(Iterator<String> texts) {
        return engine.stream(texts);
    }

    /**
     * {@link #embedStream(Iterator)} as a sequential, ordered stream.
     *
     * @param texts the texts, read as the result is consumed
     * @return one vector per text, in input order
     */
    public Stream<float[]> embedStream(Stream<String> texts) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(embedStream(texts.iterator()),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /**
     * The embedding of a token sequence (BOS/EOS included if wanted; no prompt, no truncation).
     *
     * @param tokens token ids of the model's vocabulary, at most the context length
     * @return a vector of {@link #dimension()} floats
     */
    public float[] embedTokens(int[] tokens) {
        return embedTokenLists(List.of(tokens))[0];
    }

    /**
     * Embeddings of several token sequences, in input order.
     *
     * @param sequences token id sequences, as {@link #embedTokens(int[])} takes them
     * @return one vector per sequence
     */
    public float[][] embedTokenLists(List<int[]> sequences) {
        calls.enter();
        try {
            return engine.embedTokens(sequences);
        } finally {
            calls.exit();
        }
    }

    /**
     * A long text's embeddings chunk by chunk (see {@link Chunking}): windows of its tokens, each chunk's vector with
     * its token and character spans, in order. The default task's prompt tokens precede each chunk (separate) or the
     * text (late). Separate chunks must each fit the context; a late-chunked text must fit it whole.
     *
     * @param text     the text to split
     * @param chunking window size, overlap and mode
     * @return the chunks in text order, each with its vector and spans
     * @throws IllegalArgumentException when a chunk (separate) or the text (late) is longer than the context
     */
    public List<Chunking.Chunk> embedChunks(String text, Chunking chunking) {
        return embedChunks(text, chunking, options.task());
    }

    /**
     * As {@link #embedChunks(String, Chunking)} with {@code task}'s prompt (null: none) instead of the default task's.
     *
     * @param text     the text to split
     * @param chunking window size, overlap and mode
     * @param task     the prompt to put before each chunk (separate) or the text (late); null for none
     * @return the chunks in text order, each with its vector and spans
     * @throws IllegalArgumentException when a chunk (separate) or the text (late) is longer than the context
     */
    public List<Chunking.Chunk> embedChunks(String text, Chunking chunking, Task task) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(chunking, "chunking");
        calls.enter();
        try {
            int[] prompt = task == null ? new int[0] : tokenizer.encode(task.apply(""), false, true);
            int[] tokens = tokenizer.encode(text, false, true);
            int[] windows = chunking.windows(tokens.length);
            int context = weights.config().contextLength(), specials = (tokenizer.addBos() ? 1 : 0) + (tokenizer.addEos() ? 1 : 0);
            float[][] vectors;
            if (!chunking.late()) {
                if (Math.min(chunking.chunkTokens(), tokens.length) + prompt.length + specials > context)
                    throw new IllegalArgumentException("chunks of " + chunking.chunkTokens() + " tokens plus " + (prompt.length + specials)
                            + " prompt and special tokens exceed the context of " + context + " tokens");
                vectors = engine.embedTokens(Chunking.separate(tokenizer, prompt, tokens, windows));
            } else {
                int[] sequence = Chunking.withSpecials(tokenizer, prompt, tokens);
                if (sequence.length > context)
                    throw new IllegalArgumentException("late chunking runs the whole text at once: " + sequence.length
                            + " tokens exceed the context of " + context + "; use separate chunks or split the text");
                int[] spans = Chunking.lateSpans(tokenizer, prompt.length, windows, sequence.length);
                float[][] raw = model.forward(List.of(sequence), List.of(spans), null, new dev.egemma.model.Scratch());
                vectors = new float[raw.length][];
                for (int i = 0; i < raw.length; i++) vectors[i] = finish(raw[i], spans[2 * i + 1] - spans[2 * i]);
            }
            return Chunking.chunks(tokenizer, text, tokens, windows, vectors);
        } finally {
            calls.exit();
        }
    }

    /**
     * Embeddings with the number of tokens fed to the model for them (prompts, BOS and EOS included).
     *
     * @param vectors one vector per text, in input order
     * @param tokens  tokens of all texts together
     */
    public record CountedEmbeddings(float[][] vectors, long tokens) {}

    /**
     * As {@link #embed(List)}, also counting the tokens (for usage reports): each text tokenized once, as
     * {@link #tokenize(String)}, then the token lists embedded in one batched call.
     *
     * @param texts the texts; may be empty
     * @return the vectors and the total token count
     */
    public CountedEmbeddings embedCounted(List<String> texts) {
        List<int[]> sequences = tokenizeAll(texts);
        return new CountedEmbeddings(embedSequences(sequences), tokenCount(sequences));
    }

    private List<int[]> tokenizeAll(List<String> texts) {
        List<int[]> sequences = new java.util.ArrayList<>(texts.size());
        for (String text : texts) sequences.add(tokenize(text));
        return sequences;
    }

    private float[][] embedSequences(List<int[]> sequences) {
        return sequences.isEmpty() ? new float[0][] : embedTokenLists(sequences);
    }

    private static long tokenCount(List<int[]> sequences) {
        long tokens = 0;
        for (int[] ids : sequences) tokens += ids.length;
        return tokens;
    }

    /**
     * {@code dimension}, checked for {@link #embedMatryoshka}: 1 to the model's full width, and a width other than
     * this Embedder's only when it is opened at full width with normalization off (a normalized or cut vector can
     * no longer be cut and normalized to the bits an Embedder opened with that width gives). For adapters that
     * choose the width per call and check their defaults once.
     *
     * @param dimension the width asked for
     * @return {@code dimension}, when valid
     * @throws IllegalArgumentException for a width this Embedder cannot give
     */
    public int matryoshkaWidth(int dimension) {
        int full = weights.outputDim();
        if (dimension < 1 || dimension > full)
            throw new IllegalArgumentException("dimensions must be 1.." + full + " (the model's width), got " + dimension);
        if (dimension != this.dimension && (options.normalize() || this.dimension != full))
            throw new IllegalArgumentException("this Embedder gives only " + this.dimension + "-dimensional vectors (asked: " + dimension
                    + "); open it at full width with normalization off (Options.withNormalize(false)) to choose the width per call");
        return dimension;
    }

    /**
     * Unit vectors of width {@code dimension} (Matryoshka), with the tokens fed to the model: each text tokenized
     * once as {@link #tokenize(String)}, the whole list in one batched call. The bits are
     * those of an Embedder opened with that width and normalization on: the same cut and the same
     * {@link #normalize} kernels as {@link #finish}. So one loaded model serves every width; widths other than its
     * own need it opened at full width with normalization off ({@link #matryoshkaWidth}).
     *
     * @param texts     the texts; may be empty
     * @param dimension the width, 1 to the model's full width (see {@link #matryoshkaWidth})
     * @return unit vectors of {@code dimension} floats, and the total token count
     * @throws IllegalArgumentException for a width this Embedder cannot give
     */
    public CountedEmbeddings embedMatryoshka(List<String> texts, int dimension) {
        int d = matryoshkaWidth(dimension);
        if (options.normalize()) return embedCounted(texts); // finish already cut to d and normalized
        List<int[]> sequences = tokenizeAll(texts);
        float[][] vectors = embedSequences(sequences);
        for (int i = 0; i < vectors.length; i++) vectors[i] = cutAndNormalize(vectors[i], d, true, sequences.get(i).length);
        return new CountedEmbeddings(vectors, tokenCount(sequences));
    }

    /** One micro-batch for the engine: forward pass in the engine thread's scratch, then {@link #finish}. */
    private float[][] runBatch(List<int[]> sequences, dev.egemma.model.Scratch scratch) {
        float[][] raw = model.forward(sequences, null, scratch);
        for (int i = 0; i < raw.length; i++) raw[i] = finish(raw[i], sequences.get(i).length);
        return raw;
    }

    /**
     * One text through the model with a hook seeing every layer's hidden states (for {@code --dump-layers});
     * returns the finished embedding.
     *
     * @param text     the text (the default task's prompt applied)
     * @param observer called with each layer's hidden states (internal type)
     * @return the vector {@link #embed(String)} would give
     */
    @SuppressWarnings("exports") // dev.egemma.model is internal: a diagnostic hook for the CLI, on the class path
    public float[] embedObserved(String text, LayerObserver observer) {
        calls.enter();
        try {
            int[] ids = tokenizeOpen(text);
            return finish(model.forward(List.of(ids), observer)[0], ids.length);
        } finally {
            calls.exit();
        }
    }

    /**
     * The token ids {@link #embed(String)} feeds the model: prompt applied, special tokens added, truncated as configured.
     *
     * @param text the text
     * @return token ids of the model's vocabulary
     */
    public int[] tokenize(String text) {
        calls.enter();
        try {
            return tokenizeOpen(text);
        } finally {
            calls.exit();
        }
    }

    /** {@link #tokenize} inside a call already counted (the engine tokenizes for the embed methods). */
    private int[] tokenizeOpen(String text) {
        String prompted = options.task() == null ? text : options.task().apply(text);
        return tokenizer.encode(prompted, weights.config().contextLength(), options.truncation()).ids();
    }

    /** Truncated to the dimension and normalized; a non-finite value anywhere in {@code raw} fails the text instead. */
    private float[] finish(float[] raw, int tokens) {
        for (float x : raw)
            if (!Float.isFinite(x))
                throw new NonFiniteEmbeddingException("the model produced non-finite values (NaN or infinity) for a text of " + tokens
                        + " tokens: this file's weights or hyper-parameters cannot give a usable embedding");
        return cutAndNormalize(raw, dimension, options.normalize(), tokens);
    }

    /**
     * Matryoshka's cut of a raw (unnormalized) vector to its first {@code dimension} values (0 or its width: uncut),
     * then {@link #normalize} if asked: what this Embedder does to every vector, for a caller that opens it at full
     * width without normalization and chooses both per call (the server, the adapters). {@code raw} may be reused.
     *
     * @param raw       a vector as this Embedder returns it opened at full width, unnormalized
     * @param dimension width to cut to; 0 or {@code raw.length} to keep it whole
     * @param normalize whether to L2-normalize after the cut
     * @param tokens    the text's token count, for the error message only
     * @return the cut (and normalized) vector: {@code raw} itself when not cut
     * @throws NonFiniteEmbeddingException if normalizing an all-zero vector
     */
    public float[] cutAndNormalize(float[] raw, int dimension, boolean normalize, int tokens) {
        float[] v = dimension == 0 || dimension == raw.length ? raw : Arrays.copyOf(raw, dimension);
        if (normalize) normalize(v, tokens);
        return v;
    }

    /**
     * L2-normalizes {@code v} in place exactly as this Embedder does when opened with normalization on (the same
     * kernels, so the same bits): for a caller that opens it unnormalized and normalizes per request (the server's
     * {@code "normalize": false}). {@code tokens} is for the message only.
     *
     * @param v      the vector, overwritten with its unit-length direction
     * @param tokens the text's token count, for the error message only
     * @throws NonFiniteEmbeddingException if {@code v} is all zeros (no direction to normalize)
     */
    public void normalize(float[] v, int tokens) {
        model.kernels().l2Normalize(v, 0, v.length);
        // all zeros (raw zeros, or squares that underflow: a forged epsilon of 1e30 shrinks every hidden state):
        // a vector with no direction, which llama.cpp would also return as zeros, is no usable embedding either
        boolean zero = true;
        for (float x : v) zero &= x == 0f;
        if (zero)
            throw new NonFiniteEmbeddingException("the model produced an all-zero vector for a text of " + tokens
                    + " tokens (no direction to normalize): this file's weights or hyper-parameters cannot give a usable embedding");
    }

    /**
     * The options this Embedder was opened with.
     *
     * @return the options, as given to {@code open}
     */
    public Options options() {
        return options;
    }

    /**
     * Width of the returned vectors.
     *
     * @return {@link Options#dimension()}, or the model's full width when that is 0
     */
    public int dimension() {
        return dimension;
    }

    /**
     * The model's hyperparameters as read from the GGUF (an internal type; module users read {@link #dimension()}).
     *
     * @return the model's configuration
     */
    @SuppressWarnings("exports") // dev.egemma.model is internal, see module-info
    public ModelConfig config() {
        return weights.config();
    }

    /**
     * The model's tokenizer, read from the GGUF.
     *
     * @return the tokenizer {@link #tokenize(String)} uses (without the prompt and truncation it adds)
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Whether the sentence-transformers Dense projections are applied.
     *
     * @return false when the GGUF lacks dense_2/dense_3 (see {@link #NO_DENSE_WARNING})
     */
    public boolean hasDenseProjection() {
        return weights.hasDense();
    }

    /**
     * Name of the kernels in use.
     *
     * @return e.g. {@code java-vector-512}, {@code native-avx512}, {@code native-avx512-block}
     */
    public String backendName() {
        return model.kernels().name();
    }

    /**
     * Waits for the calls in flight, then stops the engine and the pool and unmaps the file. A call made after (or
     * racing with) close either completes or fails with {@code IllegalStateException("the embedder is closed")}.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!calls.close()) return;
        engine.close();
        pool.close();
        closeFile(model.kernels(), file);
    }

    /** Closes the model file, after the native kernels' pack-cache reader, which reads it, has stopped. */
    private static void closeFile(Kernels k, GgufFile f) {
        if (k instanceof dev.egemma.kernels.ffm.NativeKernels n) n.stopCacheReader();
        f.close();
    }
}
