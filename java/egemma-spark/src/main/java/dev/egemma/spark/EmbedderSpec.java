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
 * @param rowsPerBatch rows of a partition handed to {@link Embedder#embed(java.util.List)} at once (>= 1); the
 *                     engine then packs them into micro-batches of {@code maxBatchTokens}
 */
public record EmbedderSpec(String model, boolean sparkFile, Backend backend, int threads, int maxBatchTokens,
                           int dimension, Task task, int rowsPerBatch) implements Serializable {
    /** Spark conf keys read by {@link #fromConf}; {@code spark.egemma.model} takes a path or {@code sparkfiles:NAME}. */
    public static final String CONF_PREFIX = "spark.egemma.";
    static final String SPARK_FILES_SCHEME = "sparkfiles:";

    public EmbedderSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        if (model.isBlank()) throw new IllegalArgumentException("model must name a GGUF file");
        if (rowsPerBatch < 1) throw new IllegalArgumentException("rowsPerBatch must be >= 1, got " + rowsPerBatch);
        new Embedder.Options(backend, threads, maxBatchTokens, Embedder.Options.defaults().truncation(), true, dimension, task, null);
    }

    /** A model at {@code path} on every executor (shared storage or the same local path), with library defaults. */
    public static EmbedderSpec ofPath(String path) {
        Embedder.Options d = Embedder.Options.defaults();
        return new EmbedderSpec(path, false, d.backend(), d.threads(), d.maxBatchTokens(), d.dimension(), d.task(), 512);
    }

    /** A model shipped to executors by Spark ({@code spark-submit --files model.gguf} or {@code addFile}), by file name. */
    public static EmbedderSpec ofSparkFile(String fileName) {
        return ofPath(fileName).withSparkFile(true);
    }

    /**
     * From the session's conf: {@code spark.egemma.model} (required: a path, or {@code sparkfiles:NAME}),
     * {@code .threads}, {@code .backend} (auto|native|java), {@code .dimension}, {@code .task},
     * {@code .maxBatchTokens}, {@code .rowsPerBatch}. Threads default to {@code spark.executor.cores} when set.
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

    public EmbedderSpec withSparkFile(boolean f) { return new EmbedderSpec(model, f, backend, threads, maxBatchTokens, dimension, task, rowsPerBatch); }
    public EmbedderSpec withBackend(Backend b) { return new EmbedderSpec(model, sparkFile, b, threads, maxBatchTokens, dimension, task, rowsPerBatch); }
    public EmbedderSpec withThreads(int t) { return new EmbedderSpec(model, sparkFile, backend, t, maxBatchTokens, dimension, task, rowsPerBatch); }
    public EmbedderSpec withMaxBatchTokens(int n) { return new EmbedderSpec(model, sparkFile, backend, threads, n, dimension, task, rowsPerBatch); }
    public EmbedderSpec withDimension(int d) { return new EmbedderSpec(model, sparkFile, backend, threads, maxBatchTokens, d, task, rowsPerBatch); }
    public EmbedderSpec withTask(Task t) { return new EmbedderSpec(model, sparkFile, backend, threads, maxBatchTokens, dimension, t, rowsPerBatch); }
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
