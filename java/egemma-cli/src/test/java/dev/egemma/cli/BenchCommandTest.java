// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.Embedder;
import dev.egemma.staticembed.Distiller;
import dev.egemma.staticembed.StaticEmbedder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    static final Path MODEL = CliTestSupport.testdata("golden/small-f32.gguf");
    static final List<String> FIELDS = List.of("load_ms", "tokens", "texts", "wall_s", "tokens_per_s", "texts_per_s",
            "p50_ms", "p99_ms", "peak_rss_mib", "backend", "isa");

    @TempDir
    Path tmp;

    static JsonNode json(CliTestSupport.Result r) throws Exception {
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(1, lines.length, "one JSON object: " + r.out());
        JsonNode n = new ObjectMapper().readTree(lines[0]);
        for (String f : FIELDS) assertTrue(n.has(f), "field " + f + " in " + lines[0]);
        return n;
    }

    static long tokensOf(List<String> texts) throws Exception {
        try (Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withThreads(1))) {
            long n = 0;
            for (String t : texts) n += e.tokenize(t).length;
            return n;
        }
    }

    @Test
    void throughputJsonCountsTheCorpusFileAndReportsConsistentRates() throws Exception {
        List<String> texts = List.of("hello world", "a somewhat longer line of text for the benchmark", "x", "fourth line", "last");
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", texts) + "\n\n", StandardCharsets.UTF_8);
        JsonNode n = json(CliTestSupport.run("bench", "-m", MODEL.toString(), "-i", corpus.toString(), "--threads", "2",
                "--backend", "java", "--warmup", "2", "--repeat", "3", "--max-batch-tokens", "16", "--json"));
        assertEquals(5, n.get("texts").asInt(), "empty lines skipped");
        assertEquals(tokensOf(texts), n.get("tokens").asLong());
        double wall = n.get("wall_s").asDouble();
        assertTrue(wall > 0);
        assertEquals(n.get("tokens").asDouble() / wall, n.get("tokens_per_s").asDouble(), n.get("tokens_per_s").asDouble() * 0.01 + 1);
        assertEquals(3, n.get("runs_wall_s").size());
        assertTrue(n.get("p50_ms").isNull() && n.get("p99_ms").isNull(), "no latency figures in throughput mode");
        assertEquals("java", n.get("backend").asText());
        assertTrue(n.get("isa").asText().startsWith("vector-") || n.get("isa").asText().equals("scalar"), n.get("isa").asText());
        assertEquals(16, n.get("max_batch_tokens").asInt());
        if (Files.exists(Path.of("/proc/self/status"))) assertTrue(n.get("peak_rss_mib").asDouble() > 10, "VmHWM read");
    }

    @Test
    void kernelNamesSplitIntoBackendTierAndOrder() {
        // kernels, backend, isa, q8_order: no suffix for the block order (the default), -x86 for llamacpp-x86
        String[][] cases = {{"native-avx512", "native", "avx512", "block"}, {"native-avx512-x86", "native", "avx512", "llamacpp-x86"},
                {"native-neon_dotprod", "native", "neon_dotprod", "block"}, {"java-vector-256", "java", "vector-256", "block"},
                {"java-vector-512-x86", "java", "vector-512", "llamacpp-x86"}, {"java-scalar-x86", "java", "scalar", "llamacpp-x86"},
                {"java-vector-256-fastq8", "java", "vector-256", "fastq8"}};
        for (String[] c : cases)
            assertEquals(java.util.Map.of("backend", c[1], "isa", c[2], "q8_order", c[3], "kernels", c[0]), BenchCommand.kernelFields(c[0]), c[0]);
        assertEquals(java.util.Map.of("backend", "static", "isa", "emb8", "kernels", "static-emb8"), BenchCommand.kernelFields("static-emb8"));
    }

    @Test
    void q8OrderReachesBothBackendsAndTheReportBlockByDefault() throws Exception {
        CliTestSupport.requireNative();
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, "hello world\ntwo words here\n", StandardCharsets.UTF_8);
        String q8 = CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString();
        // {--q8-order given (null: none), the order reported}; x86 is the old name of llamacpp-x86
        String[][] cases = {{null, "block"}, {"block", "block"}, {"llamacpp-x86", "llamacpp-x86"}, {"x86", "llamacpp-x86"}, {"X86", "llamacpp-x86"}};
        for (String backend : new String[] {"native", "java"}) {
            for (String[] c : cases) {
                List<String> args = new java.util.ArrayList<>(List.of("bench", "-m", q8, "-i", corpus.toString(), "--backend", backend,
                        "--threads", "1", "--warmup", "0", "--json"));
                if (c[0] != null) args.addAll(List.of("--q8-order", c[0]));
                JsonNode n = json(CliTestSupport.run(args.toArray(String[]::new)));
                String what = backend + " --q8-order " + c[0] + ": " + n;
                boolean neon = n.get("isa").asText().startsWith("neon"); // no x86-order kernel: the block order runs
                String runs = backend.equals("native") && neon ? "block" : c[1];
                assertEquals(backend, n.get("backend").asText(), what);
                assertEquals(runs, n.get("q8_order").asText(), what);
                assertEquals(runs.equals("llamacpp-x86"), n.get("kernels").asText().endsWith("-x86"), what);
            }
        }
    }

    @Test
    void latencyModeReportsPercentiles() throws Exception {
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, "one\ntwo words\nthree words here\n", StandardCharsets.UTF_8);
        JsonNode n = json(CliTestSupport.run("bench", "-m", MODEL.toString(), "-i", corpus.toString(), "--mode", "latency",
                "--warmup", "0", "--json"));
        assertEquals(3, n.get("texts").asInt());
        double p50 = n.get("p50_ms").asDouble(), p99 = n.get("p99_ms").asDouble();
        assertTrue(p50 > 0 && p50 <= p99, p50 + " " + p99);
    }

    @Test
    void builtInCorpusIsDeterministicAndUsedWithoutInput() throws Exception {
        List<String> a = BenchCorpus.texts(1000), b = BenchCorpus.texts(1000);
        assertEquals(a, b);
        assertEquals(1000, a.stream().distinct().count(), "texts differ");
        JsonNode n = json(CliTestSupport.run("bench", "-m", MODEL.toString(), "--warmup", "0", "--json"));
        assertEquals(1000, n.get("texts").asInt());
        assertEquals(tokensOf(a), n.get("tokens").asLong());
    }

    @Test
    void sweepMeasuresEveryLength() throws Exception {
        JsonNode n = json(CliTestSupport.run("bench", "-m", MODEL.toString(), "--sweep", "--sweep-tokens", "128", "--warmup", "0", "--repeat", "3", "--json"));
        JsonNode points = n.get("sweep");
        assertEquals(BenchCommand.SWEEP_LENGTHS.length, points.size());
        long tokens = 0;
        for (int i = 0; i < points.size(); i++) {
            int len = BenchCommand.SWEEP_LENGTHS[i];
            JsonNode p = points.get(i);
            assertEquals(len, p.get("tokens_per_text").asInt());
            assertEquals(3, p.get("runs_wall_s").size(), "every length timed once per pass");
            double median = p.get("tokens_per_s").asDouble();
            assertTrue(p.get("tokens_per_s_min").asDouble() <= median && median <= p.get("tokens_per_s_max").asDouble(), "the spread holds the median: " + p);
            assertEquals(Math.max(1, 128 / len), p.get("texts").asInt());
            assertEquals((long) p.get("texts").asInt() * len, p.get("tokens").asLong());
            tokens += p.get("tokens").asLong();
        }
        assertEquals(tokens, n.get("tokens").asLong());
    }

    @Test
    void badArgumentsFailCleanly() {
        CliTestSupport.Result r = CliTestSupport.run("bench", "-m", tmp.resolve("missing.gguf").toString(), "--json");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("missing.gguf"), r.err());
        CliTestSupport.Result r2 = CliTestSupport.run("bench", "-m", MODEL.toString(), "--repeat", "0");
        assertEquals(2, r2.exit(), r2.err());
        CliTestSupport.Result r3 = CliTestSupport.run("bench", "-m", MODEL.toString(), "--q8-order", "fast");
        assertEquals(2, r3.exit(), r3.err());
        assertTrue(r3.err().contains("--q8-order") && r3.err().contains("'fast'"), r3.err());
    }

    /** An EMB8 table benchmarks through StaticEmbedder: same JSON fields, backend "static", no micro-batches. */
    @Test
    void staticTableInThroughputAndLatencyModes() throws Exception {
        Path emb8 = tmp.resolve("s.emb8");
        Distiller.distillToFile(MODEL, emb8, Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(8));
        List<String> texts = List.of("hello world", "a somewhat longer line of text", "x");
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
        long tokens;
        try (StaticEmbedder s = StaticEmbedder.open(emb8)) {
            tokens = texts.stream().mapToLong(t -> s.tokenize(t).length).sum();
        }
        for (String mode : new String[] {"throughput", "latency"}) {
            JsonNode n = json(CliTestSupport.run("bench", "-m", emb8.toString(), "-i", corpus.toString(), "--mode", mode,
                    "--threads", "2", "--warmup", "3", "--repeat", "2", "--json"));
            assertEquals(3, n.get("texts").asInt());
            assertEquals(tokens, n.get("tokens").asLong());
            assertEquals("static", n.get("backend").asText());
            assertEquals(mode, n.get("mode").asText());
            assertEquals(2, n.get("threads").asInt());
            assertTrue(n.get("max_batch_tokens").isNull());
            assertTrue(n.get("wall_s").asDouble() > 0);
            assertEquals(mode.equals("latency"), !n.get("p50_ms").isNull());
        }
        JsonNode sw = json(CliTestSupport.run("bench", "-m", emb8.toString(), "--sweep", "--sweep-tokens", "64", "--warmup", "0", "--json"));
        assertEquals(BenchCommand.SWEEP_LENGTHS.length, sw.get("sweep").size(), "no context limit: every length");
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = i + 1;
        assertEquals(50, BenchCommand.percentile(v, 50));
        assertEquals(99, BenchCommand.percentile(v, 99));
        assertEquals(7, BenchCommand.percentile(new double[] {7}, 99));
    }
}
