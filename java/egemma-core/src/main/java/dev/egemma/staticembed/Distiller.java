// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;
import dev.egemma.model.ModelLayout;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Distils a GGUF into a static table: one vector per vocabulary token (the teacher's one-token embedding for
 * {@link Method#CONTEXTUAL}, which needs an EmbeddingGemma; the dequantized {@code token_embd} row for
 * {@link Method#TABLE}, from any GGUF with a SentencePiece vocabulary, such as the {@code gemma3} causal Gemma 3 270M
 * the original prep tool distils), reduced by {@link Pca} to {@code dim}, optionally Zipf weighted, then (in
 * {@link Emb8Writer}) quantized to int8.
 *
 * <p>Zipf weighting (off unless {@code zipf > 0}), after Model2Vec's SIF weighting: token frequencies are not
 * in the GGUF, so a Zipf prior stands in for them. Tokens are ranked by their SentencePiece score (higher
 * score = more frequent piece; ties by id), rank {@code r} (1-based) gets probability
 * {@code p_r = 1 / (r H_V)} ({@code H_V} the V-th harmonic number) and its row is multiplied by
 * {@code a / (a + p_r)} with {@code a = zipf} (Model2Vec uses 1e-4). Frequent tokens thus weigh less in a
 * text's average, as in SIF sentence embeddings; rare tokens keep a weight near 1.
 */
public final class Distiller {
    /** Where each token's vector comes from. */
    public enum Method {
        /** The teacher's embedding of the token alone (runs EmbeddingGemma once per token; checkpointed). */
        CONTEXTUAL,
        /** The token's dequantized {@code token_embd} row (any GGUF with a SentencePiece vocabulary; fast). */
        TABLE
    }

    /**
     * How to distil. Start from {@link #defaults()} and change settings with the {@code with...} methods.
     *
     * @param method    where the vectors come from
     * @param dim       output width, 1..the teacher's width
     * @param pcaSample rows used to fit the PCA (0 = all)
     * @param seed      seed of the PCA's random choices (the same seed, the same table)
     * @param zipf      SIF coefficient {@code a} of the Zipf weighting, 0 for none
     * @param backend   kernels of the teacher (contextual)
     * @param threads   compute threads of the teacher (contextual)
     * @param progress  where progress goes (null for none)
     */
    public record Options(Method method, int dim, int pcaSample, long seed, double zipf, Backend backend, int threads, PrintStream progress) {
        /**
         * Checks the settings.
         *
         * @throws NullPointerException     if {@code method} or {@code backend} is null
         * @throws IllegalArgumentException if {@code dim} or {@code threads} is below 1, {@code pcaSample} is negative,
         *                                  or {@code zipf} is negative or not finite
         */
        public Options {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(backend, "backend");
            if (dim < 1) throw new IllegalArgumentException("dim must be >= 1, got " + dim);
            if (pcaSample < 0) throw new IllegalArgumentException("pca sample must be >= 0, got " + pcaSample);
            if (!(zipf >= 0) || Double.isInfinite(zipf)) throw new IllegalArgumentException("zipf coefficient must be finite and >= 0, got " + zipf);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }

        /**
         * Contextual, 64 dimensions, PCA on all rows, seed 42, no Zipf weighting, AUTO backend, all available
         * processors, no progress output.
         *
         * @return the default options
         */
        public static Options defaults() {
            return new Options(Method.CONTEXTUAL, 64, 0, 42, 0, Backend.AUTO, Runtime.getRuntime().availableProcessors(), null);
        }

        /**
         * A copy with another {@code method}; these options are unchanged.
         *
         * @param m where the vectors come from
         * @return new options, equal to these but for {@code method}
         */
        public Options withMethod(Method m) { return new Options(m, dim, pcaSample, seed, zipf, backend, threads, progress); }
        /**
         * A copy with another {@code dim}; these options are unchanged.
         *
         * @param d output width, &gt;= 1
         * @return new options, equal to these but for {@code dim}
         */
        public Options withDim(int d) { return new Options(method, d, pcaSample, seed, zipf, backend, threads, progress); }
        /**
         * A copy with another {@code pcaSample}; these options are unchanged.
         *
         * @param n rows used to fit the PCA, 0 for all
         * @return new options, equal to these but for {@code pcaSample}
         */
        public Options withPcaSample(int n) { return new Options(method, dim, n, seed, zipf, backend, threads, progress); }
        /**
         * A copy with another {@code seed}; these options are unchanged.
         *
         * @param s seed of the PCA's random choices
         * @return new options, equal to these but for {@code seed}
         */
        public Options withSeed(long s) { return new Options(method, dim, pcaSample, s, zipf, backend, threads, progress); }
        /**
         * A copy with another {@code zipf}; these options are unchanged.
         *
         * @param a SIF coefficient of the Zipf weighting, 0 for none
         * @return new options, equal to these but for {@code zipf}
         */
        public Options withZipf(double a) { return new Options(method, dim, pcaSample, seed, a, backend, threads, progress); }
        /**
         * A copy with another {@code backend}; these options are unchanged.
         *
         * @param b kernels of the teacher
         * @return new options, equal to these but for {@code backend}
         */
        public Options withBackend(Backend b) { return new Options(method, dim, pcaSample, seed, zipf, b, threads, progress); }
        /**
         * A copy with another {@code threads}; these options are unchanged.
         *
         * @param t compute threads of the teacher, &gt;= 1
         * @return new options, equal to these but for {@code threads}
         */
        public Options withThreads(int t) { return new Options(method, dim, pcaSample, seed, zipf, backend, t, progress); }
        /**
         * A copy with another {@code progress}; these options are unchanged.
         *
         * @param p where progress goes; null for none
         * @return new options, equal to these but for {@code progress}
         */
        public Options withProgress(PrintStream p) { return new Options(method, dim, pcaSample, seed, zipf, backend, threads, p); }
    }

    private Distiller() {}

    /**
     * Distils {@code model} and writes the EMB8 file {@code out}; a contextual run checkpoints to {@link #checkpointPath}.
     *
     * @param model the teacher GGUF
     * @param out   the EMB8 file to write (v2), replaced if it exists
     * @param o     how to distil
     * @throws IOException              if a file cannot be read or written
     * @throws IllegalArgumentException if the model cannot be distilled by the chosen method
     */
    public static void distillToFile(Path model, Path out, Options o) throws IOException {
        distillToFile(model, out, o, false);
    }

    /**
     * As {@link #distillToFile(Path, Path, Options)}; {@code keepCheckpoint} keeps the contextual teacher vectors
     * (deleted otherwise), so tables of other widths can start from them: copy the checkpoint to
     * {@code checkpointPath(other)} and that run resumes with every token done, going straight to the PCA.
     *
     * @param model          the teacher GGUF
     * @param out            the EMB8 file to write (v2), replaced if it exists
     * @param o              how to distil
     * @param keepCheckpoint true to keep the checkpoint after success
     * @throws IOException              if a file cannot be read or written
     * @throws IllegalArgumentException if the model cannot be distilled by the chosen method
     */
    public static void distillToFile(Path model, Path out, Options o, boolean keepCheckpoint) throws IOException {
        distillToFile(model, out, o, keepCheckpoint, Emb8Format.V2);
    }

    /**
     * As {@link #distillToFile(Path, Path, Options, boolean)}, written in {@code format}: {@link Emb8Format#V2}
     * (egemma's, self-contained) or {@link Emb8Format#V1_ORIGINAL} (the original prep tool's runtime reads it; no
     * components, no tokenizer: give the model's tokenizer beside it).
     *
     * @param model          the teacher GGUF
     * @param out            the EMB8 file to write, replaced if it exists
     * @param o              how to distil
     * @param keepCheckpoint true to keep the checkpoint after success
     * @param format         {@link Emb8Format#V2} or {@link Emb8Format#V1_ORIGINAL}
     * @throws IOException              if a file cannot be read or written
     * @throws IllegalArgumentException for {@link Emb8Format#V1_EGEMMA_LEGACY}, or a model the method cannot distil
     */
    public static void distillToFile(Path model, Path out, Options o, boolean keepCheckpoint, Emb8Format format) throws IOException {
        if (format == Emb8Format.V1_EGEMMA_LEGACY) throw new IllegalArgumentException("the legacy layout is read, never written");
        Path ckpt = checkpointPath(out);
        try (GgufFile f = GgufFile.open(model)) { // open while writing: the tokenizer strings are read from the mapping
            Distilled d = distill(f, model, ckpt, o);
            long t0 = System.nanoTime();
            if (format == Emb8Format.V2) Emb8Writer.write(out, d, tokenizerKeys(f));
            else Emb8Writer.writeV1(out, d);
            if (o.progress() != null) o.progress().printf(Locale.ROOT, "quantized and wrote %s (%d bytes) in %.1f s%n", out, Files.size(out), (System.nanoTime() - t0) / 1e9);
        }
        if (!keepCheckpoint) Files.deleteIfExists(ckpt);
    }

    /**
     * Where a contextual distillation into {@code out} keeps its teacher vectors until it completes.
     *
     * @param out the EMB8 file being written
     * @return {@code out} with {@code .teacher-checkpoint} appended, in the same directory
     */
    public static Path checkpointPath(Path out) {
        return out.resolveSibling(out.getFileName() + ".teacher-checkpoint");
    }

    /**
     * Distils without quantizing (tests compare these float rows with the teacher directly).
     *
     * @param model the teacher GGUF
     * @param ckpt  checkpoint file for the contextual teacher vectors (kept; the caller deletes it)
     * @param o     how to distil
     * @return the reduced (and weighted) float table with its PCA
     * @throws IOException              if a file cannot be read or written
     * @throws IllegalArgumentException if the model cannot be distilled by the chosen method
     */
    public static Distilled distill(Path model, Path ckpt, Options o) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            return distill(f, model, ckpt, o);
        }
    }

    private static Distilled distill(GgufFile f, Path model, Path ckpt, Options o) throws IOException {
        Tokenizer tok = Tokenizer.fromGguf(f);
        GgufTensor embd = f.tensor("token_embd.weight");
        if (embd == null) throw new IllegalArgumentException(model + ": no token_embd.weight tensor");
        if (embd.rows() != tok.vocabSize())
            throw new IllegalArgumentException(model + ": token_embd.weight has " + embd.rows() + " rows but the tokenizer has " + tok.vocabSize() + " tokens");
        PrintStream p = o.progress();
        if (o.method() == Method.TABLE) return reduce(new TableRows(embd), tok, o);
        try {
            ModelLayout.of(f); // the teacher must run: say so before any work, and what does work for other models
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; the table method (--method table) distils the token_embd rows of any GGUF with a Gemma 3 vocabulary", e);
        }
        Embedder.Options eo = Embedder.Options.defaults().withNormalize(false).withBackend(o.backend()).withThreads(o.threads());
        try (Embedder teacher = Embedder.open(model, eo);
             TeacherVectors.MappedRows rows = TeacherVectors.compute(teacher, f, model, ckpt, p)) {
            return reduce(rows, tok, o);
        }
    }

    static Distilled reduce(RowSource src, Tokenizer tok, Options o) {
        PrintStream p = o.progress();
        long t0 = System.nanoTime();
        Pca.Fit fit = Pca.fit(src, o.dim(), o.pcaSample(), o.seed());
        if (p != null) {
            double total = 0;
            for (double v : fit.variances()) total += v;
            p.printf(Locale.ROOT, "PCA %d -> %d on %d rows: %.1f s (Gram matrix %.1f s, %d power steps; variance kept by the components: %.4g)%n",
                    src.dim(), o.dim(), o.pcaSample() == 0 ? src.rows() : Math.min(o.pcaSample(), src.rows()), (System.nanoTime() - t0) / 1e9,
                    fit.gramSeconds(), fit.powerIterations(), total);
        }
        float[] weights = o.zipf() > 0 ? zipfWeights(tok, o.zipf()) : null;
        int d = src.dim(), k = o.dim();
        float[][] vt = new float[d][k]; // components transposed: the projection becomes row axpys (vectorizable)
        for (int c = 0; c < k; c++) for (int i = 0; i < d; i++) vt[i][c] = fit.components()[c][i];
        float[][] rows = new float[src.rows()][];
        float[] x = new float[d];
        for (int t = 0; t < rows.length; t++) {
            src.row(t, x);
            float[] y = new float[k];
            for (int i = 0; i < d; i++) {
                float xi = x[i] - fit.mean()[i];
                float[] v = vt[i];
                for (int c = 0; c < k; c++) y[c] += xi * v[c];
            }
            if (weights != null) for (int c = 0; c < k; c++) y[c] *= weights[t];
            rows[t] = y;
        }
        return new Distilled(fit.mean(), fit.components(), rows);
    }

    /** The Zipf/SIF weight of every token (see the class documentation). */
    static float[] zipfWeights(Tokenizer tok, double a) {
        int v = tok.vocabSize();
        Integer[] byScore = new Integer[v];
        for (int i = 0; i < v; i++) byScore[i] = i;
        Arrays.sort(byScore, Comparator.<Integer>comparingDouble(tok::score).reversed().thenComparingInt(i -> i));
        double h = 0;
        for (int r = 1; r <= v; r++) h += 1.0 / r;
        float[] w = new float[v];
        for (int r = 1; r <= v; r++) {
            double pr = 1 / (r * h);
            w[byScore[r - 1]] = (float) (a / (a + pr));
        }
        return w;
    }

    /**
     * The {@code tokenizer.*} keys of a GGUF, in file order: what an EMB8 file carries to rebuild the tokenizer.
     *
     * @param f an open GGUF
     * @return a new map of the keys starting with {@code tokenizer.}
     */
    public static Map<String, GgufValue> tokenizerKeys(GgufFile f) {
        Map<String, GgufValue> keys = new LinkedHashMap<>();
        f.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) keys.put(k, v);
        });
        return keys;
    }
}
