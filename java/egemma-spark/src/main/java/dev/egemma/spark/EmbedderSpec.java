// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Task;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.RuntimeConfig;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What an executor needs to open its {@link Embedder}: where the model is and the options. Serializable, so it
 * travels inside Spark's task closures; the model file itself never does (executors map it from their own disk).
 *
 * @param model        a path readable on every executor, or the name of a file shipped with {@code --files} /
 *                     {@code SparkContext.addFile} when {@code sparkFile} is true (resolved with {@link SparkFiles#get})
 * @param sparkFile    whether {@code model} names a Spark-distributed file rather than a path
 * @param backend      kernels the executors run on
 * @param threads      compute threads per executor JVM, as {@link Embedder.Options#threads()}
 * @param maxBatchTokens tokens of one batched forward pass (&gt;= 1)
 * @param dimension    output width (Matryoshka); 0 for the model's full width
 * @param task         prompt put before every text; null for none
 * @param rowsPerBatch rows of a partition handed to {@link Embedder#embed(java.util.List)} at once (>= 1); the
 *                     engine then packs them into micro-batches of {@code maxBatchTokens}
 */
public record EmbedderSpec(String model, boolean sparkFile, Backend backend, int threads, int maxBatchTokens,
                           int dimension, Task task, int rowsPerBatch) implements Serializable {
    /** Spark conf keys read by {@link #fromConf}; {@code spark.egemma.model} takes a path or {@code sparkfiles:NAME}. */
    public static final String CONF_PREFIX = "spark.egemma.";
    static final String SPARK_FILES_SCHEME = "sparkfiles:";

    /**
     * Checks the spec as {@link Embedder.Options} would, so that a bad one fails on the driver, not on the executors.
     *
     * @throws NullPointerException     if {@code model} or {@code backend} is null
     * @throws IllegalArgumentException if {@code model} is blank, {@code rowsPerBatch} is below 1, or an option is
     *                                  out of range
     */
    public EmbedderSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        if (model.isBlank()) throw new IllegalArgumentException("model must name a GGUF file");
        if (rowsPerBatch < 1) throw new IllegalArgumentException("rowsPerBatch must be >= 1, got " + rowsPerBatch);
        new Embedder.Options(backend, threads, maxBatchTokens, Embedder.Options.defaults().truncation(), true, dimension, task, null);
    }

    /**
     * A model at {@code path} on every executor (shared storage or the same local path), with library defaults.
     *
     * @param path the GGUF's path, the same on every executor
     * @return a spec with {@link Embedder.Options#defaults()}'s settings and 512 rows per batch
     */
    public static EmbedderSpec ofPath(String path) {
        Embedder.Options d = Embedder.Options.defaults();
        return new EmbedderSpec(path, false, d.backend(), d.threads(), d.maxBatchTokens(), d.dimension(), d.task(), 512);
    }

    /**
     * A model shipped to executors by Spark ({@code spark-submit --files model.gguf} or {@code addFile}), by file name.
     *
     * @param fileName the file's name as Spark distributes it
     * @return a spec as {@link #ofPath} gives, resolved with {@link SparkFiles#get} on each executor
     */
    public static EmbedderSpec ofSparkFile(String fileName) {
        return ofPath(fileName).withSparkFile(true);
    }

    /**
     * From the session's conf: {@code spark.egemma.model} (required: a path, or {@code sparkfiles:NAME}),
     * {@code .threads}, {@code .backend} (auto|native|java), {@code .dimension}, {@code .task},
     * {@code .maxBatchTokens}, {@code .rowsPerBatch}. Threads default to {@code spark.executor.cores} when set.
     *
     * @param conf the session's runtime conf
     * @return the spec
     * @throws IllegalArgumentException if {@code spark.egemma.model} is unset or a value is invalid
     */
    public static EmbedderSpec fromConf(RuntimeConfig conf) {
        String model = conf.getOption(CONF_PREFIX + "model").getOrElse(() -> {
            throw new IllegalArgumentException(CONF_PREFIX + "model is not set (a GGUF path, or sparkfiles:NAME)");
        });
        EmbedderSpec s = model.startsWith(SPARK_FILES_SCHEME) ? ofSparkFile(model.substring(SPARK_FILES_SCHEME.length())) : ofPath(model);
        String cores = conf.get("spark.executor.cores", Integer.toString(s.threads));
        s = s.withThreads(Integer.parseInt(conf.get(CONF_PREFIX + "threads", cores)));
        s = s.withBackend(Backend.valueOf(conf.get(CONF_PREFIX + "backend", s.backend.name()).toUpperCase(java.util.Locale.ROOT)));
        s = s.withDimension(Integer.parseInt(conf.get(CONF_PREFIX + "dimension", "0")));
        String task = conf.get(CONF_PREFIX + "task", "");
        if (!task.isBlank()) s = s.withTask(Task.parse(task));
        s = s.withMaxBatchTokens(Integer.parseInt(conf.get(CONF_PREFIX + "maxBatchTokens", Integer.toString(s.maxBatchTokens))));
        return s.withRowsPerBatch(Integer.parseInt(conf.get(CONF_PREFIX + "rowsPerBatch", Integer.toString(s.rowsPerBatch))));
    }

    /**
     * A copy with another {@code sparkFile}; this spec is unchanged.
     *
     * @param f whether the model is a Spark-distributed file
     * @return a new spec, equal to this one but for {@code sparkFile}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withSparkFile(boolean f) { return new EmbedderSpec(model, f, backend, threads, maxBatchTokens, dimension, task, rowsPerBatch); }
    /**
     * A copy with another {@code backend}; this spec is unchanged.
     *
     * @param b kernels the executors run on
     * @return a new spec, equal to this one but for {@code backend}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withBackend(Backend b) { return new EmbedderSpec(model, sparkFile, b, threads, maxBatchTokens, dimension, task, rowsPerBatch); }
    /**
     * A copy with another {@code threads}; this spec is unchanged.
     *
     * @param t compute threads per executor JVM
     * @return a new spec, equal to this one but for {@code threads}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withThreads(int t) { return new EmbedderSpec(model, sparkFile, backend, t, maxBatchTokens, dimension, task, rowsPerBatch); }
    /**
     * A copy with another {@code maxBatchTokens}; this spec is unchanged.
     *
     * @param n tokens of one batched forward pass, &gt;= 1
     * @return a new spec, equal to this one but for {@code maxBatchTokens}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withMaxBatchTokens(int n) { return new EmbedderSpec(model, sparkFile, backend, threads, n, dimension, task, rowsPerBatch); }
    /**
     * A copy with another {@code dimension}; this spec is unchanged.
     *
     * @param d output width; 0 for the model's full width
     * @return a new spec, equal to this one but for {@code dimension}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withDimension(int d) { return new EmbedderSpec(model, sparkFile, backend, threads, maxBatchTokens, d, task, rowsPerBatch); }
    /**
     * A copy with another {@code task}; this spec is unchanged.
     *
     * @param t prompt put before every text; null for none
     * @return a new spec, equal to this one but for {@code task}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withTask(Task t) { return new EmbedderSpec(model, sparkFile, backend, threads, maxBatchTokens, dimension, t, rowsPerBatch); }
    /**
     * A copy with another {@code rowsPerBatch}; this spec is unchanged.
     *
     * @param r rows handed to the Embedder at once, &gt;= 1
     * @return a new spec, equal to this one but for {@code rowsPerBatch}
     * @throws IllegalArgumentException if the value is out of range
     */
    public EmbedderSpec withRowsPerBatch(int r) { return new EmbedderSpec(model, sparkFile, backend, threads, maxBatchTokens, dimension, task, r); }

    /** The model file on this JVM's disk: the path itself, or where Spark put the distributed file. */
    Path resolveModel() {
        return Path.of(sparkFile ? SparkFiles.get(model) : model);
    }

    /** The library options (truncate long texts, L2-normalize: llama.cpp's defaults). */
    Embedder.Options options() {
        return Embedder.Options.defaults().withBackend(backend).withThreads(threads).withMaxBatchTokens(maxBatchTokens)
                .withDimension(dimension).withTask(task);
    }
}
