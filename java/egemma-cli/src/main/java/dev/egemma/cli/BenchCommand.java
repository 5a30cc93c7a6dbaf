// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code egemma bench}: embeds a corpus and reports throughput (or per-text latency), load time and peak RSS,
 * with stable JSON field names so scripts (java/egemma-bench/peer/compare.sh) can compare runs and peers.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {
                "Measure embedding speed on a corpus (default: a built-in deterministic corpus of 1,000 texts).",
                "throughput: the whole corpus in one embed(List) call (tokenization included in the time);",
                "latency: one text at a time, reporting p50/p99 per text. --sweep instead measures tokens/s for texts of",
                "16, 64, 128, 256, 512, 1024 and 2048 tokens (with --repeat, every length once per pass; the median and the range)."
        })
public final class BenchCommand implements Callable<Integer> {
    /** What a kernel set's name ends with when its Q8_0 products do not run in the block order, and the q8_order reported for it. */
    private static final Map<String, String> ORDER_SUFFIXES = Map.of(Q8Order.X86.kernelNameSuffix(), Q8Order.X86.cName(), "-fastq8", "fastq8");

    /**
     * The report's backend, isa, q8_order (the order the Q8_0 products run in; native and java only) and kernels fields
     * from a kernel set's name: "native-avx512" and "java-vector-256" (block, the default), "native-avx512-x86" and
     * "java-vector-256-x86" (llamacpp-x86), "java-vector-256-fastq8" (the Java backend's fast product), "static-emb8".
     */
    static Map<String, Object> kernelFields(String name) {
        int dash = name.indexOf('-');
        String backend = dash < 0 ? name : name.substring(0, dash), isa = dash < 0 ? name : name.substring(dash + 1);
        String order = null;
        if (backend.equals("native") || backend.equals("java")) {
            order = Q8Order.BLOCK.cName();
            for (Map.Entry<String, String> s : ORDER_SUFFIXES.entrySet()) {
                if (isa.endsWith(s.getKey())) {
                    isa = isa.substring(0, isa.length() - s.getKey().length());
                    order = s.getValue();
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("backend", backend);
        r.put("isa", isa);
        if (order != null) r.put("q8_order", order);
        r.put("kernels", name);
        return r;
    }

    enum Mode { throughput, latency }

    static final int[] SWEEP_LENGTHS = {16, 64, 128, 256, 512, 1024, 2048};

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "gemma-embedding GGUF file, or a distilled EMB8 table (backend \"static\").")
    Path model;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Corpus: one text per line (empty lines skipped).")
    Path input;

    @Option(names = "--threads", paramLabel = "N", converter = PositiveInt.class, description = "Compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "auto|native|java", defaultValue = "auto", description = "Kernels. Default: ${DEFAULT-VALUE}.")
    Backend backend;

    @Mixin
    Q8OrderOption q8Order;

    @Option(names = "--max-batch-tokens", paramLabel = "N", converter = PositiveInt.class, description = "Token budget of one micro-batch (default: the Embedder's).")
    Integer maxBatchTokens;

    @Option(names = "--mode", paramLabel = "throughput|latency", defaultValue = "throughput", description = "Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "32", description = "Texts embedded before timing (JIT warm-up). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", converter = PositiveInt.class, defaultValue = "1", description = "Timed passes over the corpus (or the sweep's lengths); the median pass is reported. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "For a static EMB8 table: its tokenizer, a GGUF (model or vocabulary) or SentencePiece's tokenizer.model. Needed by version 1 files (the original prep tool's layout).")
    Path tokenizer;

    @Option(names = "--sweep", description = "Scaling report: tokens/s for texts of 16..2048 tokens instead of the corpus.")
    boolean sweep;

    @Option(names = "--sweep-tokens", paramLabel = "N", converter = PositiveInt.class, defaultValue = "8192", description = "Tokens per sweep point (texts = N / length, at least 1). Default: ${DEFAULT-VALUE}.")
    int sweepTokens;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (warmup < 0) throw new ParameterException(spec.commandLine(), "--warmup must be >= 0, got " + warmup);
        List<String> texts = input == null ? BenchCorpus.texts(1000) : readCorpus(input);
        if (texts.isEmpty()) throw new ParameterException(spec.commandLine(), input + " holds no non-empty line");

        Embedder.Options o = Embedder.Options.defaults().withBackend(backend).withQ8Order(q8Order.value);
        try {
            if (threads != null) o = o.withThreads(threads);
            if (maxBatchTokens != null) o = o.withMaxBatchTokens(maxBatchTokens);
        } catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), ex.getMessage());
        }
        if (tokenizer != null && !dev.egemma.staticembed.Emb8File.looksLikeEmb8(model))
            throw new ParameterException(spec.commandLine(), StaticEmbedHook.tokenizerNeedsStaticTable(model));
        Map<String, Object> r = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (BenchTarget e = BenchTarget.open(model, o, threads, tokenizer)) {
            r.put("load_ms", Math.round((System.nanoTime() - t0) / 1e6 * 10) / 10.0);
            warmUp(e, texts);
            if (sweep) sweep(e, texts, r);
            else if (mode == Mode.throughput) throughput(e, texts, r);
            else latency(e, texts, r);
            r.put("peak_rss_mib", round(PeakRss.mib(), 1));
            r.putAll(kernelFields(e.kernels()));
            r.put("threads", e.threads());
            r.put("max_batch_tokens", e.maxBatchTokens());
            r.put("mode", sweep ? "sweep" : mode.name());
            r.put("jdk", Runtime.version().toString());
        }
        print(r);
        return 0;
    }

    private void warmUp(BenchTarget e, List<String> texts) {
        List<String> w = new ArrayList<>(warmup);
        for (int i = 0; i < warmup; i++) w.add(texts.get(i % texts.size()));
        if (!w.isEmpty()) e.embed(w);
    }

    private static long countTokens(BenchTarget e, List<String> texts) {
        long n = 0;
        for (String t : texts) n += e.tokenize(t).length;
        return n;
    }

    private void throughput(BenchTarget e, List<String> texts, Map<String, Object> r) {
        double[] walls = new double[repeat];
        for (int k = 0; k < repeat; k++) {
            long t = System.nanoTime();
            e.embed(texts);
            walls[k] = (System.nanoTime() - t) / 1e9;
        }
        putRates(r, countTokens(e, texts), texts.size(), walls);
        r.put("p50_ms", null);
        r.put("p99_ms", null);
    }

    private void latency(BenchTarget e, List<String> texts, Map<String, Object> r) {
        double[] walls = new double[repeat];
        double[] perText = new double[repeat * texts.size()];
        for (int k = 0; k < repeat; k++) {
            long start = System.nanoTime();
            for (int i = 0; i < texts.size(); i++) {
                long t = System.nanoTime();
                e.embed(texts.get(i));
                perText[k * texts.size() + i] = (System.nanoTime() - t) / 1e6;
            }
            walls[k] = (System.nanoTime() - start) / 1e9;
        }
        putRates(r, countTokens(e, texts), texts.size(), walls);
        Arrays.sort(perText);
        r.put("p50_ms", round(percentile(perText, 50), 3));
        r.put("p99_ms", round(percentile(perText, 99), 3));
    }

    /** Token sequences of exactly L tokens (BOS, L-2 corpus tokens, EOS) for each sweep length. */
    private void sweep(BenchTarget e, List<String> texts, Map<String, Object> r) {
        int[] special = e.tokenizer().encode("", true, false);
        if (special.length != 2) throw new IllegalArgumentException("the tokenizer does not add exactly BOS and EOS to an empty text");
        int[] body = e.tokenizer().encode(String.join(" ", texts), false, false);
        List<int[]> lengths = new ArrayList<>(); // {len, texts}
        List<List<int[]>> batches = new ArrayList<>();
        for (int len : SWEEP_LENGTHS) {
            if (len > e.contextLength()) continue;
            int n = Math.max(1, sweepTokens / len);
            List<int[]> seqs = new ArrayList<>(n);
            for (int s = 0; s < n; s++) {
                int[] ids = new int[len];
                ids[0] = special[0];
                for (int j = 1; j < len - 1; j++) ids[j] = body[(int) (((long) s * (len - 2) + j - 1) % body.length)];
                ids[len - 1] = special[1];
                seqs.add(ids);
            }
            lengths.add(new int[] {len, n});
            batches.add(seqs);
        }
        // pass k times every length before pass k + 1, so that a slow spell of the machine falls on every length alike
        double[][] walls = new double[batches.size()][repeat];
        for (int k = 0; k < repeat; k++)
            for (int i = 0; i < batches.size(); i++) {
                long t = System.nanoTime();
                e.embedTokenLists(batches.get(i));
                walls[i][k] = (System.nanoTime() - t) / 1e9;
            }
        List<Map<String, Object>> points = new ArrayList<>();
        long totalTokens = 0, totalTexts = 0;
        double totalWall = 0;
        for (int i = 0; i < batches.size(); i++) {
            int len = lengths.get(i)[0], n = lengths.get(i)[1];
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("tokens_per_text", len);
            putRates(p, (long) n * len, n, walls[i]);
            double slowest = Arrays.stream(walls[i]).max().orElseThrow(), fastest = Arrays.stream(walls[i]).min().orElseThrow();
            p.put("tokens_per_s_min", round((double) n * len / slowest, 1));
            p.put("tokens_per_s_max", round((double) n * len / fastest, 1));
            points.add(p);
            totalTokens += (long) n * len;
            totalTexts += n;
            totalWall += (double) p.get("wall_s");
        }
        r.put("tokens", totalTokens);
        r.put("texts", totalTexts);
        r.put("wall_s", round(totalWall, WALL_DIGITS));
        r.put("tokens_per_s", round(totalTokens / totalWall, 1));
        r.put("texts_per_s", round(totalTexts / totalWall, 2));
        r.put("p50_ms", null);
        r.put("p99_ms", null);
        r.put("sweep", points);
    }

    private static void putRates(Map<String, Object> r, long tokens, int texts, double[] walls) {
        double[] sorted = walls.clone();
        Arrays.sort(sorted);
        double wall = sorted[(sorted.length - 1) / 2];
        r.put("tokens", tokens);
        r.put("texts", texts);
        r.put("wall_s", round(wall, WALL_DIGITS));
        r.put("tokens_per_s", round(tokens / wall, 1));
        r.put("texts_per_s", round(texts / wall, 2));
        if (walls.length > 1) r.put("runs_wall_s", Arrays.stream(walls).map(w -> round(w, WALL_DIGITS)).boxed().toList());
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Microseconds: a pass of a static table over a few short texts takes less than 0.1 ms (it rounded to 0). */
    private static final int WALL_DIGITS = 6;

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private void print(Map<String, Object> r) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
            return;
        }
        out.printf(Locale.ROOT, "backend:      %s (%s), %d threads, max batch tokens %d, JDK %s%n",
                r.get("kernels"), r.get("isa"), r.get("threads"), r.get("max_batch_tokens"), r.get("jdk"));
        out.printf(Locale.ROOT, "model load:   %.1f ms%n", (double) r.get("load_ms"));
        out.printf(Locale.ROOT, "corpus:       %d texts, %d tokens%n", r.get("texts"), r.get("tokens"));
        out.printf(Locale.ROOT, "wall:         %.3f s (%s)%n", (double) r.get("wall_s"), r.get("mode"));
        out.printf(Locale.ROOT, "throughput:   %.1f tokens/s, %.2f texts/s%n", (double) r.get("tokens_per_s"), (double) r.get("texts_per_s"));
        if (r.get("p50_ms") != null)
            out.printf(Locale.ROOT, "latency:      p50 %.3f ms, p99 %.3f ms per text%n", (double) r.get("p50_ms"), (double) r.get("p99_ms"));
        if (r.get("sweep") instanceof List<?> points) {
            for (Object o : points) {
                Map<?, ?> p = (Map<?, ?>) o;
                out.printf(Locale.ROOT, "  %5d tokens/text: %4d texts, %8.1f tokens/s%s%n", p.get("tokens_per_text"), p.get("texts"), (double) p.get("tokens_per_s"),
                        p.get("runs_wall_s") == null ? "" : String.format(Locale.ROOT, " (%.1f-%.1f over %d runs)", (double) p.get("tokens_per_s_min"),
                                (double) p.get("tokens_per_s_max"), ((List<?>) p.get("runs_wall_s")).size()));
            }
        }
        double rss = (double) r.get("peak_rss_mib");
        out.printf(Locale.ROOT, "peak RSS:     %s%n", rss < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f MiB", rss));
    }

    private static List<String> readCorpus(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!line.isEmpty()) out.add(line);
        return out;
    }
}
